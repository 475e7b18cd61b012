import Foundation

/// The roles one meshbox process can run.
public enum MeshRole: String, Sendable, Hashable, CaseIterable, Comparable {
    case config
    case registry
    case ca
    case gateway
    case proxy
    case console

    /// Roles this build implements. The others are planned (see the issues) and refused by name.
    public static let available: [MeshRole] = [.config, .registry, .ca, .gateway, .proxy, .console]

    /// What runs without `--roles` (and what `all` means): every available role that leaves the
    /// host's networking alone. `proxy` changes the nat rules, so it runs only when named.
    public static let defaults: [MeshRole] = available.filter { !$0.changesHostNetworking }

    /// Whether the role edits the host's network configuration (nat rules).
    public var changesHostNetworking: Bool { self == .proxy }

    /// The roles that serve traffic with the shared data plane (one engine for all of them).
    public var isDataPlane: Bool { self == .gateway || self == .proxy }

    /// Start order: a role only depends on roles before it. Shutdown runs in reverse.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Parses `--roles registry,config,console` (or `all`). Unknown or unavailable roles are an error.
    public static func parseList(_ text: String) throws -> [MeshRole] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw ApplianceError("--roles: empty role list (roles: \(available.map(\.rawValue).joined(separator: ", ")))") }
        var roles: [MeshRole] = []
        for name in names {
            // `all` is every role that leaves the host's networking alone; `all,proxy` adds the proxy.
            if name == "all" {
                for role in defaults where !roles.contains(role) { roles.append(role) }
                continue
            }
            guard let role = MeshRole(rawValue: name) else {
                throw ApplianceError("--roles: unknown role '\(name)' (roles: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard available.contains(role) else {
                throw ApplianceError("--roles: role '\(name)' is not available in this build yet (available: \(available.map(\.rawValue).joined(separator: ", ")))")
            }
            if !roles.contains(role) { roles.append(role) }
        }
        return roles.sorted()
    }
}

/// A problem with how meshbox was started: flags, config file, data dir. The message says
/// which flag or key, and why.
public struct ApplianceError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
