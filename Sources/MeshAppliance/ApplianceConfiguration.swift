public import Foundation
import MeshCore
public import MeshModel
import Yams
#if canImport(Glibc)
import Glibc
#endif

/// Everything `meshbox serve` needs, from the YAML config file with flags on top.
/// Every key is documented in docs/configuration.md; etc/meshbox.yaml sets them all.
public struct ApplianceConfiguration: Sendable, Equatable {
    public enum LogFormat: String, Sendable, Equatable { case text, json }
    public enum LogLevel: String, Sendable, Equatable, CaseIterable { case trace, debug, info, notice, warning, error, critical }
    public enum Durability: String, Sendable, Equatable { case full, normal }

    public var roles: [MeshRole] = MeshRole.defaults
    public var dataDirectory: String = ApplianceConfiguration.defaultDataDirectory()
    public var nodeName: String = ProcessInfo.processInfo.hostName
    public var trustDomain: String = "cluster.local"
    /// Ranges the config store allocates Service and ServiceEntry VIPs from (Istio's
    /// auto-allocation ranges by default); an empty `serviceCIDRv6` allocates no IPv6 VIPs.
    public var serviceCIDR: String = "240.240.0.0/16"
    public var serviceCIDRv6: String = "2001:2::/48"
    /// `mesh.rootNamespace`: where mesh-wide PeerAuthentication and AuthorizationPolicy live
    /// (Istio's `istio-system` by default).
    public var rootNamespace: String = ObjectMeta.defaultRootNamespace
    /// `mesh.jwksRefreshInterval`: how often RequestAuthentication `jwksUri` key sets are fetched
    /// again (Istio's `PILOT_JWT_PUB_KEY_REFRESH_INTERVAL`, 20m by default).
    public var jwksRefreshInterval: Duration = .seconds(20 * 60)
    public var logLevel: LogLevel = .info
    public var logFormat: LogFormat = .text
    public var consoleHost: String = "127.0.0.1"
    public var consolePort: Int = 15000
    /// Console: serve the web files from this directory instead of the built-in copy (development).
    public var consoleWebRoot: String?
    /// Console: browser sessions end this long after login, or after `consoleSessionIdleTimeout` unused.
    public var consoleSessionTTL: Duration = .seconds(12 * 3600)
    public var consoleSessionIdleTimeout: Duration = .seconds(3600)
    /// Console: TLS, allowed hosts, metrics access, login throttling, idle timeout, connection cap.
    public var console = ConsoleSettings()
    public var historyDepth: Int = 50
    public var durability: Durability = .full
    /// CA: default and maximum lifetime of issued certificates, lifetime of a generated root.
    public var caLeafTTL: Duration = .seconds(24 * 3600)
    public var caMaxLeafTTL: Duration = .seconds(7 * 24 * 3600)
    public var caRootTTL: Duration = .seconds(10 * 365 * 24 * 3600)
    /// CA: an organisation's intermediate ("plug-in CA"): certificate, key and chain files.
    public var caIntermediateCertificate: String?
    public var caIntermediateKey: String?
    public var caIntermediateChain: String?
    /// Registry: addresses health checks may not target (`registry.healthCheck.denyCIDRs`).
    public var registryHealthCheckDenyCIDRs: [IPBlock] = []
    /// Registry: how DNS ServiceEntries are resolved (`registry.dns`).
    public var registryDNS = RegistryDNSSettings()
    public var gateway = GatewaySettings()
    /// The node proxy (`proxy:`): how VIP traffic is captured; used only when the role is named.
    public var proxy = NodeProxySettings()
    /// The ADS server (`xds:`): off unless enabled.
    public var xds = XDSSettings()
    /// A remote node's control plane (`controlPlane:`, `--control-plane`): unset on a control plane.
    public var controlPlane = RemoteNodeSettings()
    /// `serve --apply FILE` (repeatable): resources applied at start. A flag only, not a file key.
    public var applyFiles: [String] = []

    public init() {}

    /// `$MESHBOX_DATA_DIR`, else `/var/lib/meshbox` for root, else `~/.local/share/meshbox`.
    public static func defaultDataDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let dir = environment["MESHBOX_DATA_DIR"], !dir.isEmpty { return dir }
        if getuid() == 0 { return "/var/lib/meshbox" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/share/meshbox"
    }

    /// The console listener as `host:port`.
    public var consoleListen: String {
        get { consoleHost.contains(":") ? "[\(consoleHost)]:\(consolePort)" : "\(consoleHost):\(consolePort)" }
    }

    /// Sets the console listener from `HOST:PORT` (`[::1]:15000` for IPv6).
    public mutating func setConsoleListen(_ text: String, source: String) throws {
        let (host, port) = try Self.parseHostPort(text, source: source)
        consoleHost = host
        consolePort = port
    }

    static func parseHostPort(_ text: String, source: String) throws -> (String, Int) {
        var host: Substring
        var portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ApplianceError("\(source): expected [IPv6]:PORT, got '\(text)'")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw ApplianceError("\(source): expected HOST:PORT, got '\(text)'") }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw ApplianceError("\(source): port must be 0-65535, got '\(portText)'")
        }
        if host.isEmpty { host = "0.0.0.0" }
        return (String(host), port)
    }
}

extension ApplianceConfiguration {
    /// Reads a config file. Unknown keys and wrong types are errors naming the key path;
    /// nothing is half-applied: the result is either a whole configuration or an error.
    public static func load(file path: String, base: ApplianceConfiguration = ApplianceConfiguration()) throws -> ApplianceConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ApplianceError("\(path): cannot read config file: \(error.localizedDescription)")
        }
        return try parse(yaml: text, source: path, base: base)
    }

    public static func parse(yaml text: String, source: String, base: ApplianceConfiguration = ApplianceConfiguration()) throws -> ApplianceConfiguration {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ApplianceError("\(source): invalid YAML: \(error)")
        }
        var config = base
        guard let node else { return config }
        let reader = KeyReader(source: source)
        try reader.object(node, path: "") { key, value, path in
            switch key {
            case "roles":
                let names = try reader.stringList(value, path: path)
                do { config.roles = try MeshRole.parseList(names.joined(separator: ",")) } catch let error as ApplianceError {
                    throw ApplianceError("\(source): \(path): \(error.description.replacingOccurrences(of: "--roles: ", with: ""))")
                }
            case "dataDir": config.dataDirectory = try reader.string(value, path: path)
            case "nodeName": config.nodeName = try reader.string(value, path: path)
            case "trustDomain":
                let domain = try reader.string(value, path: path)
                guard Self.isValidTrustDomain(domain) else { throw reader.error(path, "invalid trust domain '\(domain)' (lower-case DNS name)") }
                config.trustDomain = domain
            case "serviceCIDR":
                let cidr = try reader.string(value, path: path)
                guard VIPRange(cidr)?.family == .ipv4 else {
                    throw reader.error(path, "invalid CIDR '\(cidr)' (an IPv4 block, e.g. 240.240.0.0/16)")
                }
                config.serviceCIDR = cidr
            case "serviceCIDRv6":
                let cidr = try reader.string(value, path: path)
                guard cidr.isEmpty || VIPRange(cidr)?.family == .ipv6 else {
                    throw reader.error(path, "invalid CIDR '\(cidr)' (an IPv6 block, e.g. 2001:2::/48, or \"\" for none)")
                }
                config.serviceCIDRv6 = cidr
            case "mesh":
                try reader.object(value, path: path) { key, value, path in
                    if key == "jwksRefreshInterval" {
                        config.jwksRefreshInterval = try reader.duration(value, path: path)
                        return
                    }
                    guard key == "rootNamespace" else { throw reader.unknown(path) }
                    let namespace = try reader.string(value, path: path)
                    guard ObjectMeta.isValidNamespace(namespace) else {
                        throw reader.error(path, "invalid namespace '\(namespace)' (lower-case letters, digits and '-', at most 63)")
                    }
                    config.rootNamespace = namespace
                }
            case "log":
                try reader.object(value, path: path) { key, value, path in
                    switch key {
                    case "level":
                        let text = try reader.string(value, path: path)
                        guard let level = LogLevel(rawValue: text) else {
                            throw reader.error(path, "must be one of \(LogLevel.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
                        }
                        config.logLevel = level
                    case "format":
                        let text = try reader.string(value, path: path)
                        guard let format = LogFormat(rawValue: text) else { throw reader.error(path, "must be text or json, got '\(text)'") }
                        config.logFormat = format
                    default: throw reader.unknown(path)
                    }
                }
            case "console":
                try reader.object(value, path: path) { key, value, path in
                    switch key {
                    case "listen":
                        let text = try reader.string(value, path: path)
                        do { try config.setConsoleListen(text, source: path) } catch let error as ApplianceError {
                            throw ApplianceError("\(source): \(error.description)")
                        }
                    case "webRoot":
                        let directory = try reader.string(value, path: path)
                        guard !directory.isEmpty else { throw reader.error(path, "must not be empty") }
                        config.consoleWebRoot = directory
                    case "sessionTTL": config.consoleSessionTTL = try reader.duration(value, path: path)
                    case "sessionIdleTimeout": config.consoleSessionIdleTimeout = try reader.duration(value, path: path)
                    default: try config.console.read(key: key, value: value, reader: reader, path: path)
                    }
                }
            case "config":
                try reader.object(value, path: path) { key, value, path in
                    switch key {
                    case "historyDepth":
                        let depth = try reader.int(value, path: path)
                        guard (1...100_000).contains(depth) else { throw reader.error(path, "must be 1-100000, got \(depth)") }
                        config.historyDepth = depth
                    case "durability":
                        let text = try reader.string(value, path: path)
                        guard let durability = Durability(rawValue: text) else { throw reader.error(path, "must be full or normal, got '\(text)'") }
                        config.durability = durability
                    default: throw reader.unknown(path)
                    }
                }
            case "ca":
                try reader.object(value, path: path) { key, value, path in
                    switch key {
                    case "leafTTL": config.caLeafTTL = try reader.duration(value, path: path)
                    case "maxLeafTTL": config.caMaxLeafTTL = try reader.duration(value, path: path)
                    case "rootTTL": config.caRootTTL = try reader.duration(value, path: path)
                    case "intermediate":
                        try reader.object(value, path: path) { key, value, path in
                            switch key {
                            case "certificate": config.caIntermediateCertificate = try reader.string(value, path: path)
                            case "key": config.caIntermediateKey = try reader.string(value, path: path)
                            case "chain": config.caIntermediateChain = try reader.string(value, path: path)
                            default: throw reader.unknown(path)
                            }
                        }
                        let set = [config.caIntermediateCertificate, config.caIntermediateKey, config.caIntermediateChain].compactMap { $0 }
                        guard set.count == 3 else { throw reader.error(path, "needs certificate, key and chain") }
                    default: throw reader.unknown(path)
                    }
                }
                guard config.caLeafTTL <= config.caMaxLeafTTL else {
                    throw reader.error("ca.leafTTL", "must not exceed ca.maxLeafTTL")
                }
            case "registry":
                try reader.object(value, path: path) { key, value, path in
                    if key == "dns" { return try config.registryDNS.read(value, reader: reader, path: path) }
                    guard key == "healthCheck" else { throw reader.unknown(path) }
                    try reader.object(value, path: path) { key, value, path in
                        guard key == "denyCIDRs" else { throw reader.unknown(path) }
                        config.registryHealthCheckDenyCIDRs = try reader.stringList(value, path: path).enumerated().map {
                            guard let block = IPBlock($0.element) else {
                                throw reader.error("\(path)[\($0.offset)]", "invalid CIDR '\($0.element)'")
                            }
                            return block
                        }
                    }
                }
            case "gateway":
                try config.gateway.read(value, reader: reader, path: path)
            case "proxy":
                try config.proxy.read(value, reader: reader, path: path)
            case "xds":
                try config.xds.read(value, reader: reader, path: path)
            case "controlPlane":
                try config.controlPlane.read(value, reader: reader, path: path)
            default:
                throw reader.unknown(path)
            }
        }
        return config
    }

    static func isValidTrustDomain(_ text: String) -> Bool {
        guard !text.isEmpty, text.count <= 255 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
        }
    }
}

/// Walks a YAML node tree with key paths for error messages.
struct KeyReader {
    let source: String

    func error(_ path: String, _ message: String) -> ApplianceError {
        ApplianceError("\(source): \(path): \(message)")
    }

    func unknown(_ path: String) -> ApplianceError {
        error(path, "unknown key (see docs/configuration.md)")
    }

    func object(_ node: Node, path: String, _ body: (String, Node, String) throws -> Void) throws {
        guard case .mapping(let mapping) = node else {
            throw error(path.isEmpty ? "(top level)" : path, "expected a map")
        }
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else { throw error(path, "keys must be strings") }
            try body(key, value, path.isEmpty ? key : path + "." + key)
        }
    }

    func string(_ node: Node, path: String) throws -> String {
        guard case .scalar(let scalar) = node, scalar.string != "~", scalar.string != "null" || scalar.style != .plain else {
            throw error(path, "expected a string")
        }
        return scalar.string
    }

    func duration(_ node: Node, path: String) throws -> Duration {
        let text = try string(node, path: path)
        guard let duration = DurationText.parse(text), duration > .zero else {
            throw error(path, "invalid duration '\(text)' (e.g. 30m, 24h, 87600h)")
        }
        return duration
    }

    func int(_ node: Node, path: String) throws -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else { throw error(path, "expected an integer") }
        return value
    }

    func stringList(_ node: Node, path: String) throws -> [String] {
        switch node {
        case .sequence(let sequence):
            return try sequence.enumerated().map { try string($0.element, path: "\(path)[\($0.offset)]") }
        case .scalar(let scalar):
            return scalar.string.split(separator: ",").map { String($0) }
        default:
            throw error(path, "expected a list of strings")
        }
    }
}
