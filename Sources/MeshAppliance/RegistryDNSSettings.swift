import MeshCore
public import MeshDNS
import MeshProxy
package import MeshRegistry
import Yams

/// `registry.dns`: how the registry resolves the names of `resolution: DNS` and
/// `DNS_ROUND_ROBIN` ServiceEntries (the control plane resolves; nodes get addresses).
public struct RegistryDNSSettings: Sendable, Hashable {
    /// Resolvers to ask, in order; empty: the `nameserver` lines of /etc/resolv.conf.
    public var servers: [DNSResolverConfiguration.Server] = []
    /// Per server and query; nil: resolv.conf's `options timeout:` (default 5s).
    public var timeout: Duration?
    /// Rounds over the servers; nil: resolv.conf's `options attempts:` (default 2).
    public var attempts: Int?
    /// Floor and ceiling of an answer's TTL.
    public var minTTL: Duration = ServiceEntryResolver.Settings.defaultMinTTL
    public var maxTTL: Duration = ServiceEntryResolver.Settings.defaultMaxTTL

    public init() {}

    mutating func read(_ node: Node, reader: KeyReader, path base: String) throws {
        try reader.object(node, path: base) { key, value, path in
            switch key {
            case "servers":
                servers = try reader.stringList(value, path: path).enumerated().map { index, text in
                    do throws(DNSSettingsError) {
                        let upstream = try DNSUpstream(parsing: text, field: "\(path)[\(index)]")
                        return DNSResolverConfiguration.Server(host: upstream.host, port: upstream.port)
                    } catch {
                        throw reader.error(error.field, error.reason)
                    }
                }
            case "timeout":
                let timeout = try reader.duration(value, path: path)
                guard timeout >= .milliseconds(100) else { throw reader.error(path, "must be at least 100ms") }
                self.timeout = timeout
            case "attempts":
                let attempts = try reader.int(value, path: path)
                guard (1...5).contains(attempts) else { throw reader.error(path, "must be 1-5") }
                self.attempts = attempts
            case "minTTL":
                minTTL = try reader.duration(value, path: path)
                guard minTTL >= .seconds(1) else { throw reader.error(path, "must be at least 1s") }
            case "maxTTL": maxTTL = try reader.duration(value, path: path)
            default: throw reader.unknown(path)
            }
        }
        guard maxTTL >= minTTL else { throw reader.error(base + ".maxTTL", "must not be below registry.dns.minTTL") }
    }

    /// The resolver's settings: these keys over /etc/resolv.conf's.
    package var resolverSettings: ServiceEntryResolver.Settings {
        var resolver = DNSResolverConfiguration.system()
        if !servers.isEmpty { resolver.servers = servers }
        if let timeout { resolver.timeout = timeout }
        if let attempts { resolver.attempts = attempts }
        return ServiceEntryResolver.Settings(resolver: resolver, minTTL: minTTL, maxTTL: maxTTL)
    }

    var summary: [String] {
        [
            "registry.dns.servers: \(servers.map(\.description).joined(separator: ","))",
            "registry.dns.timeout: \(timeout.map(DurationText.format) ?? "")",
            "registry.dns.attempts: \(attempts.map(String.init) ?? "")",
            "registry.dns.minTTL: \(DurationText.format(minTTL))",
            "registry.dns.maxTTL: \(DurationText.format(maxTTL))",
        ]
    }
}
