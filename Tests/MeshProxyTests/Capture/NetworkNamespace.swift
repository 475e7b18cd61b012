import MeshProxy
import MeshTesting
import Testing

/// What the proxy's tests add to MeshTesting's `NetworkNamespace`: the capture code's command
/// runner inside the namespace and the nat table as it must match.
extension NetworkNamespace {
    static let unavailableReason: Comment =
        "needs root, `ip netns`, iptables and python3 (run as root; scripts/install-deps.sh)"

    /// Runs commands inside the namespace (`ip netns exec <name> …`).
    var runner: SpawnCommandRunner { SpawnCommandRunner(prefix: ["ip", "netns", "exec", name]) }

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
