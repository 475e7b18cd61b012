import MeshCore

/// Deletes the conntrack entries that keep UDP flows on endpoints the rules no longer send to.
///
/// DNAT picks an endpoint for a flow's first packet only; conntrack then sends the flow's later
/// packets where the first went, rules or no rules. A client that keeps its socket (a resolver, a
/// game, a metrics agent) would talk to a removed or unhealthy endpoint until it goes quiet for
/// the UDP timeout, and a flow that began while the port had no endpoint stays un-NATed. So
/// after each pass that changed the UDP table the cleaner lists the family's UDP entries once
/// (`conntrack -L`) and deletes, per target and reply source, those whose replies do not come
/// from one of the target's wanted endpoints (`conntrack -D --orig-dst VIP --orig-port-dst PORT
/// --reply-src ENDPOINT`), as kube-proxy's conntrack cleanup does.
struct UDPConntrackCleaner: Sendable {
    let runner: any CommandRunner

    /// Which entries a pass examines.
    enum Scope: Sendable, Hashable {
        /// Every entry to an address in the VIP range: what was installed before is unknown.
        case range(CanonicalAddress)
        /// Entries to these targets, whose endpoints changed.
        case targets(Set<UDPForwarding.Target>)
    }

    /// A UDP conntrack entry: where the flow was sent, and where its replies come from.
    struct Entry: Sendable, Hashable {
        var destination: UDPForwarding.Target
        var replySource: ServiceVIP.Endpoint
    }

    /// What to examine after a pass from `installed` (nil: unknown) to `wanted`; nil when nothing.
    /// With nothing known and nothing wanted the pass skips too, so a host without UDP services
    /// needs no `conntrack` tool.
    static func scope(from installed: UDPForwarding?, to wanted: UDPForwarding, range: CanonicalAddress?) -> Scope? {
        guard let installed else {
            guard let range, !wanted.isEmpty else { return nil }
            return .range(range)
        }
        let changed = wanted.changedTargets(from: installed)
        return changed.isEmpty ? nil : .targets(changed)
    }

    /// The entries in `scope` whose replies come from no wanted endpoint of their target.
    static func stale(_ entries: [Entry], scope: Scope, wanted: UDPForwarding) -> [Entry] {
        entries.filter { entry in
            switch scope {
            case .range(let range):
                guard let address = CanonicalAddress(entry.destination.address), range.contains(address) else {
                    return false
                }
            case .targets(let targets):
                guard targets.contains(entry.destination) else { return false }
            }
            return !(wanted.targets[entry.destination]?.contains(entry.replySource) ?? false)
        }
    }

    /// Parses one line of `conntrack -L -p udp`: the first `dst=`/`dport=` are the original
    /// direction's, the second `src=`/`sport=` the reply's. nil for anything else.
    static func entry(_ line: Substring) -> Entry? {
        var sources: [Substring] = []
        var destinations: [Substring] = []
        var sourcePorts: [Substring] = []
        var destinationPorts: [Substring] = []
        for token in line.split(separator: " ") {
            if token.hasPrefix("src=") {
                sources.append(token.dropFirst(4))
            } else if token.hasPrefix("dst=") {
                destinations.append(token.dropFirst(4))
            } else if token.hasPrefix("sport=") {
                sourcePorts.append(token.dropFirst(6))
            } else if token.hasPrefix("dport=") {
                destinationPorts.append(token.dropFirst(6))
            }
        }
        guard line.split(separator: " ").first == "udp", sources.count == 2, destinations.count == 2,
            sourcePorts.count == 2, destinationPorts.count == 2,
            let destination = CanonicalAddress(String(destinations[0])),
            let replySource = CanonicalAddress(String(sources[1])),
            let port = Int(destinationPorts[0]), let replyPort = Int(sourcePorts[1])
        else { return nil }
        return Entry(
            destination: UDPForwarding.Target(address: destination.addressText, port: port),
            replySource: ServiceVIP.Endpoint(address: replySource.addressText, port: replyPort)
        )
    }

    /// Lists the family's UDP entries, deletes the stale ones; returns how many were stale.
    func clean(_ scope: Scope, wanted: UDPForwarding, family: IPFamily) async throws -> Int {
        let listed = try await runner.run(Command("conntrack", ["-L", "-f", family.rawValue, "-p", "udp"]))
        guard listed.status == 0 else { throw Self.failure("conntrack -L", listed) }
        let entries = listed.standardOutput.split(separator: "\n").compactMap(Self.entry)
        let stale = Self.stale(entries, scope: scope, wanted: wanted)
        // One delete per target and reply source: it takes every flow between them at once.
        for group in Set(stale).sorted(by: { ($0.destination, $0.replySource) < ($1.destination, $1.replySource) }) {
            let arguments = [
                "-D", "-f", family.rawValue, "-p", "udp",
                "--orig-dst", group.destination.address, "--orig-port-dst", String(group.destination.port),
                "--reply-src", group.replySource.address, "--reply-port-src", String(group.replySource.port),
            ]
            let deleted = try await runner.run(Command("conntrack", arguments))
            // 1: nothing matched (the entries expired meanwhile), which is what was wanted.
            guard deleted.status == 0 || deleted.status == 1 else { throw Self.failure("conntrack -D", deleted) }
        }
        return stale.count
    }

    private static func failure(_ command: String, _ output: CommandOutput) -> MeshError {
        let detail = output.standardError.split(separator: "\n").prefix(3).joined(separator: "; ")
        return MeshError(.io, "\(command) failed (exit \(output.status)): \(detail)")
    }
}
