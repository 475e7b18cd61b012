import Foundation

/// A resolver the DNS server forwards names outside its table to.
public struct DNSUpstream: Sendable, Hashable, CustomStringConvertible {
    /// An IPv4 or IPv6 address (a zone such as `%eth0` is not supported).
    public var host: String
    public var port: Int

    public init(host: String, port: Int = 53) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The host's resolvers: the `nameserver` lines of /etc/resolv.conf, or, when that lists only
    /// systemd-resolved's stub (127.0.0.53), the resolvers resolved itself uses
    /// (/run/systemd/resolve/resolv.conf, as kubelet reads), so a forwarded name cannot come back
    /// through resolved to this server.
    public static func system(
        resolvConf: String = "/etc/resolv.conf", resolvedConf: String = "/run/systemd/resolve/resolv.conf"
    ) -> [DNSUpstream] {
        let upstreams = parse(resolvConf: (try? String(contentsOfFile: resolvConf, encoding: .utf8)) ?? "")
        if !upstreams.isEmpty, upstreams.allSatisfy({ $0.host == "127.0.0.53" }),
            let real = try? String(contentsOfFile: resolvedConf, encoding: .utf8)
        {
            let resolved = parse(resolvConf: real)
            if !resolved.isEmpty { return resolved }
        }
        return upstreams
    }

    /// The `nameserver` lines of resolv.conf text, in order; comments and other options ignored.
    public static func parse(resolvConf text: String) -> [DNSUpstream] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver" else { return nil }
            let address = String(fields[1])
            guard let parsed = CanonicalAddress(address), parsed.prefixLength == parsed.family.addressBits else {
                return nil
            }
            return DNSUpstream(host: address)
        }
    }

    /// Whether this is the server's own listening address (forwarding there would loop).
    func isListener(host listenHost: String, port listenPort: Int) -> Bool {
        guard port == listenPort else { return false }
        if host == listenHost { return true }
        let wildcard = listenHost == "0.0.0.0" || listenHost == "::"
        return wildcard && (host.hasPrefix("127.") || host == "::1")
    }
}
