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
    public static let available: [MeshRole] = [.config, .registry, .ca, .gateway, .console]

    /// Start order: a role only depends on roles before it. Shutdown runs in reverse.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Parses `--roles registry,config,console` (or `all`). Unknown or unavailable roles are an error.
    public static func parseList(_ text: String) throws -> [MeshRole] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        if names == ["all"] { return available }
        guard !names.isEmpty else { throw ApplianceError("--roles: empty role list (roles: \(available.map(\.rawValue).joined(separator: ", ")))") }
        var roles: [MeshRole] = []
        for name in names {
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
