import MeshProxy
import MeshTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A network namespace of a test's own (`meshbox-test-<random>`), deleted when the test ends,
/// failed or not. Every iptables command of a test runs in one, never in the machine's namespace.
struct NetworkNamespace: Sendable {
    let name: String

    /// Root, `ip netns` and iptables are there (in CI they are: it runs as root, install-deps.sh
    /// installs iptables).
    static let isAvailable: Bool = {
        guard getuid() == 0 else { return false }
        for tool in ["ip", "iptables-restore", "iptables-save", "ip6tables-restore", "python3"] {
            guard
                (try? ChildProcess.run("/usr/bin/env", ["sh", "-c", "command -v \(tool) || test -x /usr/sbin/\(tool)"]))?
                    .status == 0
            else { return false }
        }
        return (try? ChildProcess.run("/usr/bin/env", ["PATH=/usr/sbin:/sbin:/usr/bin:/bin", "ip", "netns", "list"]))?
            .status == 0
    }()

    /// `nft` is there too (scripts/install-deps.sh installs nftables).
    static let hasNFT: Bool =
        (try? ChildProcess.run("/usr/bin/env", ["sh", "-c", "command -v nft || test -x /usr/sbin/nft"]))?.status == 0

    static let unavailableReason: Comment =
        "needs root, `ip netns`, iptables and python3 (run as root; scripts/install-deps.sh)"

    /// Runs `body` with a fresh namespace whose loopback is up; deletes it afterwards, even when
    /// `body` throws or an expectation failed.
    static func with<T>(_ body: (NetworkNamespace) async throws -> T) async throws -> T {
        let name = "meshbox-test-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let added = try await ChildProcess.run(
            "/usr/bin/env",
            ["PATH=/usr/sbin:/sbin:/usr/bin:/bin", "ip", "netns", "add", name]
        )
        guard added.status == 0 else { throw NamespaceFailure(description: "ip netns add \(name): \(added.output)") }
        let namespace = NetworkNamespace(name: name)
        do {
            _ = try await namespace.run("ip", "link", "set", "lo", "up")
            let result = try await body(namespace)
            await namespace.delete()
            return result
        } catch {
            await namespace.delete()
            throw error
        }
    }

    private func delete() async {
        _ = try? await ChildProcess.run(
            "/usr/bin/env",
            ["PATH=/usr/sbin:/sbin:/usr/bin:/bin", "ip", "netns", "delete", name]
        )
    }

    /// Runs commands inside the namespace (`ip netns exec <name> …`).
    var runner: SpawnCommandRunner { SpawnCommandRunner(prefix: ["ip", "netns", "exec", name]) }

    /// Runs one command in the namespace; throws unless it exits 0.
    @discardableResult
    func run(_ arguments: String..., input: String? = nil) async throws -> String {
        let output = try await runner.run(Command(arguments[0], Array(arguments.dropFirst()), input: input))
        guard output.status == 0 else {
            throw NamespaceFailure(
                description:
                    "\(arguments.joined(separator: " ")) in \(name) exited \(output.status): \(output.standardError)"
            )
        }
        return output.standardOutput
    }

    /// `iptables-save -t nat` (or ip6tables) without comments and counters: what must match.
    func natTable(_ family: IPFamily = .ipv4) async throws -> [String] {
        let text = try await run(family == .ipv4 ? "iptables-save" : "ip6tables-save", "-t", "nat")
        return text.split(separator: "\n").compactMap { line -> String? in
            if line.hasPrefix("#") { return nil }
            if line.hasPrefix(":"), let bracket = line.lastIndex(of: "[") { return String(line[..<bracket]) }
            return String(line)
        }
    }
}

struct NamespaceFailure: Error, CustomStringConvertible {
    var description: String
}
