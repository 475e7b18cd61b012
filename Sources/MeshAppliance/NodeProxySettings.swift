public import MeshProxy
import Yams

/// The `proxy:` section of the config file: how the node proxy captures VIP traffic. (Named so
/// as not to be MeshNet's `ProxySettings`, the engine's limits.) The VIP ranges are the
/// top-level `serviceCIDR` and `serviceCIDRv6`.
public struct NodeProxySettings: Sendable, Hashable {
    public enum Capture: String, Sendable, Hashable, CaseIterable {
        /// meshbox's own `MESHBOX-*` chains in the nat table (iptables-restore --noflush).
        case iptables
        /// One `inet meshbox` table (nft -f).
        case nftables
        /// Nothing on the host changes: the proxy listens only (development).
        case none
    }

    public var capture = Capture.iptables
    /// Where captured connections are redirected: the proxy's outbound listener.
    public var outboundPort = 15001
    /// `SO_MARK` of the proxy's own upstream sockets; such packets are never captured.
    public var mark: UInt32 = 0x4d42
    /// A clean stop removes the rules; a crash leaves them for the next start to adopt.
    public var removeRulesOnStop = true
    /// `<service>.<namespace>.svc.<clusterDomain>` names the proxy's DNS server answers.
    public var clusterDomain = "cluster.local"
    /// Keep a route for each VIP range on `lo` with a host address as its source (`proto 77`),
    /// so programs here reach VIPs with no route of the operator's; removed with the rules.
    public var installRoutes = false
    /// The proxy's DNS server (`proxy.dns`).
    public var dns = DNS()

    public init() {}

    /// `proxy.dns`: where the proxy's DNS server listens and where it forwards foreign names.
    public struct DNS: Sendable, Hashable {
        /// `false` runs no DNS server (a second appliance on the host, or another resolver).
        public var enabled = true
        /// An IP address, not a name.
        public var listen = DNSSettings.defaultHost
        public var port = DNSSettings.defaultPort
        /// nil: the host's resolvers (`DNSUpstream.system()`); empty: foreign names get SERVFAIL.
        public var upstreams: [DNSUpstream]?

        public init() {}

        mutating func read(_ node: Node, reader: KeyReader, path base: String) throws {
            try reader.object(node, path: base) { key, value, path in
                switch key {
                case "enabled": enabled = try reader.bool(value, path: path)
                case "listen": listen = try reader.bindAddress(value, path: path, examples: "127.0.0.1 or ::1")
                case "port": port = try reader.port(value, path: path)
                case "upstreams":
                    guard case .sequence(let list) = value else {
                        throw reader.error(path, "expected a list of ADDRESS or ADDRESS:PORT")
                    }
                    upstreams = try list.enumerated().map { index, item in
                        let itemPath = "\(path)[\(index)]"
                        let text = try reader.string(item, path: itemPath)
                        do {
                            return try DNSUpstream(parsing: text, field: itemPath)
                        } catch let error as DNSSettingsError {
                            throw reader.error(itemPath, error.reason)
                        }
                    }
                default: throw reader.unknown(path)
                }
            }
        }

        var summary: [String] {
            [
                "proxy.dns.enabled: \(enabled)",
                "proxy.dns.listen: \(listen)",
                "proxy.dns.port: \(port)",
                "proxy.dns.upstreams: \(upstreams.map { $0.map(\.description).joined(separator: ",") } ?? "(resolv.conf)")",
            ]
        }
    }

    mutating func read(_ node: Node, reader: KeyReader, path base: String) throws {
        try reader.object(node, path: base) { key, value, path in
            switch key {
            case "capture":
                let text = try reader.string(value, path: path)
                guard let capture = Capture(rawValue: text) else {
                    throw reader.error(path, "must be iptables, nftables or none, got '\(text)'")
                }
                self.capture = capture
            case "outboundPort": outboundPort = try reader.port(value, path: path)
            case "mark":
                let text = try reader.string(value, path: path)
                guard let mark = Self.parseMark(text) else {
                    throw reader.error(path, "must be a non-zero 32-bit mark, decimal or 0x hex, got '\(text)'")
                }
                self.mark = mark
            case "removeRulesOnStop":
                let text = try reader.string(value, path: path)
                switch text.lowercased() {
                case "true", "yes", "on": removeRulesOnStop = true
                case "false", "no", "off": removeRulesOnStop = false
                default: throw reader.error(path, "must be true or false, got '\(text)'")
                }
            case "clusterDomain":
                let domain = try reader.string(value, path: path)
                guard ApplianceConfiguration.isValidTrustDomain(domain) else {
                    throw reader.error(path, "invalid domain '\(domain)' (lower-case DNS name, e.g. cluster.local)")
                }
                clusterDomain = domain
            case "installRoutes": installRoutes = try reader.bool(value, path: path)
            case "dns":
                try dns.read(value, reader: reader, path: path)
            default: throw reader.unknown(path)
            }
        }
        if installRoutes && capture == .none {
            // The routes are kept by the capture loop, which `none` does not run.
            throw reader.error(base + ".installRoutes", "needs proxy.capture iptables or nftables (none touches no host networking)")
        }
    }

    /// `0x4d42` or `19778`; zero and anything past 32 bits are refused (mark 0 marks nothing).
    static func parseMark(_ text: String) -> UInt32? {
        let lowered = text.lowercased()
        let value = lowered.hasPrefix("0x") ? UInt32(lowered.dropFirst(2), radix: 16) : UInt32(lowered)
        guard let value, value != 0 else { return nil }
        return value
    }

    /// Where the outbound listener binds: `::` (IPv4 too, mapped) when IPv6 VIPs are captured,
    /// since ip6tables' REDIRECT sends them to an IPv6 address of the host; else `0.0.0.0`.
    func outboundAddress(serviceCIDRv6: String) -> String {
        serviceCIDRv6.isEmpty || capture == .none ? "0.0.0.0" : "::"
    }

    /// The capture rules' configuration for these settings and the VIP ranges.
    func captureConfiguration(serviceCIDR: String, serviceCIDRv6: String) -> CaptureConfiguration {
        CaptureConfiguration(
            ipv4ServiceRange: serviceCIDR, ipv6ServiceRange: serviceCIDRv6.isEmpty ? nil : serviceCIDRv6,
            redirectPort: outboundPort, mark: mark)
    }

    var summary: [String] {
        [
            "proxy.capture: \(capture.rawValue)",
            "proxy.outboundPort: \(outboundPort)",
            "proxy.mark: 0x\(String(mark, radix: 16))",
            "proxy.removeRulesOnStop: \(removeRulesOnStop)",
            "proxy.clusterDomain: \(clusterDomain)",
            "proxy.installRoutes: \(installRoutes)",
        ] + dns.summary
    }
}
