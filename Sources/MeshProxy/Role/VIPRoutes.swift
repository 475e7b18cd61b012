import MeshCore

/// The host routes that give connections made on this host to the VIP ranges a way into the
/// capture rules, with a source address replies can come back to (`proxy.installRoutes`).
///
/// The nat `OUTPUT` chain runs after routing: a host without a route to `240.240.0.0/16` gets
/// "network unreachable" before any rule is consulted, and one that routes it from 127.0.0.1
/// loses the replies. So, per VIP range, meshbox keeps
///
/// ```
/// ip route add 240.240.0.0/16 dev lo proto 77 src <host address>
/// ip -6 route add 2001:2::/48 dev lo proto 77 [src <host address>]
/// ```
///
/// in the main table. `proto 77` marks the routes as meshbox's: they are found, adopted after a
/// crash and removed by that mark alone, never by their prefix, so a route someone else made
/// for the same range is never touched (it is reported and left in place).
///
/// The source is the preferred source of the family's default route, else the first global
/// address of the default route's device, else the first global address of the host, leaving
/// out addresses inside a VIP range. IPv4 needs one; IPv6 routes without one when the host has
/// no global IPv6 address.
public struct VIPRoutes: Sendable {
    /// The route protocol number (`ip route … proto 77`) that marks meshbox's routes: unused by
    /// the kernel and by the routing daemons /etc/iproute2/rt_protos lists.
    public static let routeProtocol = "77"

    /// The VIP ranges to route, one per family at most, as `CaptureConfiguration` has them.
    public let ranges: [IPFamily: String]
    private let runner: any CommandRunner

    public init(configuration: CaptureConfiguration, runner: any CommandRunner) {
        var ranges: [IPFamily: String] = [:]
        for family in IPFamily.allCases {
            guard let text = configuration.serviceRange(family), let range = CanonicalAddress(text), range.family == family
            else { continue }
            ranges[family] = range.cidr
        }
        self.ranges = ranges
        self.runner = runner
    }

    /// What `ensure` found and did.
    public struct Outcome: Sendable, Hashable {
        /// Routes added or replaced (a new source address), and stale ones of an old range removed.
        public var changed = false
        /// Ranges left alone because a route of someone else's covers exactly that prefix.
        public var foreign: [String] = []
    }

    /// Adds the routes that are missing, adopting those a previous run left, and removes
    /// meshbox's routes for ranges no longer configured.
    public func ensure() async throws -> Outcome {
        var outcome = Outcome()
        for family in IPFamily.allCases {
            let ours = try await list(family)
            let wanted = ranges[family]
            for route in ours where route.prefix != wanted {
                try await ip(family, ["route", "del", route.prefix, "dev", "lo", "proto", Self.routeProtocol])
                outcome.changed = true
            }
            guard let wanted else { continue }
            let source = try await sourceAddress(family)
            if family == .ipv4, source == nil {
                throw MeshError(
                    .unavailable,
                    "no global IPv4 address on this host to be the source of the route to \(wanted) (proxy.installRoutes)")
            }
            if let existing = ours.first(where: { $0.prefix == wanted }) {
                guard source != nil, existing.source != source else { continue }
                try await ip(family, ["route", "replace", wanted, "dev", "lo", "proto", Self.routeProtocol] + sourceArguments(source))
                outcome.changed = true
                continue
            }
            let others = try await ip(family, ["-o", "route", "show", "table", "main", "exact", wanted])
            if !others.isEmpty {
                outcome.foreign.append(wanted)
                continue
            }
            try await ip(family, ["route", "add", wanted, "dev", "lo", "proto", Self.routeProtocol] + sourceArguments(source))
            outcome.changed = true
        }
        return outcome
    }

    /// Whether every range has meshbox's route (false: someone deleted it, or its source
    /// address went away and the kernel dropped it with the address).
    public func present() async throws -> Bool {
        for (family, range) in ranges {
            guard try await list(family).contains(where: { $0.prefix == range }) else { return false }
        }
        return true
    }

    /// Removes every route marked as meshbox's, both families, whatever ranges were configured
    /// when it was made. Returns how many.
    @discardableResult
    public func remove() async throws -> Int {
        var removed = 0
        for family in IPFamily.allCases {
            for route in try await list(family) {
                try await ip(family, ["route", "del", route.prefix, "dev", "lo", "proto", Self.routeProtocol])
                removed += 1
            }
        }
        return removed
    }

    struct Route: Hashable {
        var prefix: String
        var source: String?
    }

    /// meshbox's routes of `family` in the main table; none when the kernel has no IPv6 at all
    /// (`ipv6.disable=1`), where there can be none.
    func list(_ family: IPFamily) async throws -> [Route] {
        let command = Command(
            "ip", [family == .ipv4 ? "-4" : "-6", "-o", "route", "show", "table", "main", "proto", Self.routeProtocol])
        let output = try await runner.run(command)
        if output.status != 0, family == .ipv6, output.standardError.contains("Address family not supported") {
            return []
        }
        guard output.status == 0 else {
            throw MeshError(.io, "\(command) exited \(output.status): \(output.standardError)")
        }
        let text = output.standardOutput
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ").map(String.init)
            guard let first = fields.first, let prefix = CanonicalAddress(first) else { return nil }
            let source = fields.firstIndex(of: "src").flatMap { $0 + 1 < fields.count ? fields[$0 + 1] : nil }
            return Route(prefix: prefix.cidr, source: source)
        }
    }

    /// The address replies to this host's VIP connections come back to, or nil when there is none.
    func sourceAddress(_ family: IPFamily) async throws -> String? {
        let vipRanges = ranges.values.compactMap(CanonicalAddress.init)
        func usable(_ text: String) -> Bool {
            guard let address = CanonicalAddress(text), address.family == family else { return false }
            return !vipRanges.contains { $0.contains(address) }
        }
        let defaults = try await ip(family, ["-o", "route", "show", "table", "main", "default"])
        let defaultFields = defaults.split(separator: "\n").first.map { $0.split(separator: " ").map(String.init) } ?? []
        func value(after key: String) -> String? {
            defaultFields.firstIndex(of: key).flatMap { $0 + 1 < defaultFields.count ? defaultFields[$0 + 1] : nil }
        }
        if let source = value(after: "src"), usable(source) { return source }
        let addresses = try await ip(family, ["-o", "addr", "show", "scope", "global"])
            .split(separator: "\n")
            .compactMap { line -> (device: String, address: String)? in
                let fields = line.split(separator: " ").map(String.init)
                guard fields.count > 1, let at = fields.firstIndex(of: family == .ipv4 ? "inet" : "inet6"), at + 1 < fields.count
                else { return nil }
                let address = String(fields[at + 1].split(separator: "/")[0])
                return usable(address) ? (fields[1], address) : nil
            }
        if let device = value(after: "dev"), let match = addresses.first(where: { $0.device == device }) {
            return match.address
        }
        return addresses.first?.address
    }

    private func sourceArguments(_ source: String?) -> [String] {
        source.map { ["src", $0] } ?? []
    }

    /// `ip -4 …` or `ip -6 …`; its standard output, or an error with what it printed.
    @discardableResult
    private func ip(_ family: IPFamily, _ arguments: [String]) async throws -> String {
        let command = Command("ip", [family == .ipv4 ? "-4" : "-6"] + arguments)
        let output = try await runner.run(command)
        guard output.status == 0 else {
            throw MeshError(.io, "\(command) exited \(output.status): \(output.standardError)")
        }
        return output.standardOutput
    }
}
