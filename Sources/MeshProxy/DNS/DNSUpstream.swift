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

    /// Parses `192.0.2.53`, `192.0.2.53:5353`, `2001:db8::35` or `[2001:db8::35]:5353` (port 53
    /// when none is given), as `proxy.dns.upstreams` lists them.
    ///
    /// - Throws: `DNSSettingsError` at `field` when the text is empty, not an IP address, or its
    ///   port is not 1-65535.
    public init(parsing text: String, field: String) throws(DNSSettingsError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw DNSSettingsError(field: field, reason: "must not be empty") }
        var host = trimmed
        var portText: Substring?
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else {
                throw DNSSettingsError(field: field, reason: "\"\(text)\" has no closing ]")
            }
            host = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
            let rest = trimmed[trimmed.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw DNSSettingsError(field: field, reason: "\"\(text)\" is not ADDRESS or [ADDRESS]:PORT") }
                portText = rest.dropFirst()
            }
        } else if trimmed.filter({ $0 == ":" }).count == 1, let colon = trimmed.firstIndex(of: ":") {
            host = String(trimmed[..<colon])  // IPv4:port; an IPv6 address has two colons or more
            portText = trimmed[trimmed.index(after: colon)...]
        }
        guard let address = CanonicalAddress(host), address.prefixLength == address.family.addressBits else {
            throw DNSSettingsError(field: field, reason: "\"\(host)\" is not an IP address")
        }
        var port = 53
        if let portText {
            guard let parsed = Int(portText), (1...65535).contains(parsed) else {
                throw DNSSettingsError(field: field, reason: "port must be 1-65535, got \"\(portText)\"")
            }
            port = parsed
        }
        self.init(host: host, port: port)
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

    /// Whether this is the server's own listening address (forwarding there would loop). The
    /// addresses are compared parsed (`0::1` is `::1`); a wildcard listener (`0.0.0.0`, `::`)
    /// owns every loopback address.
    func isListener(host listenHost: String, port listenPort: Int) -> Bool {
        guard port == listenPort, let upstream = CanonicalAddress(host), let listen = CanonicalAddress(listenHost) else {
            return false
        }
        if upstream == listen { return true }
        return listen.bytes.allSatisfy { $0 == 0 } && upstream.isLoopback
    }
}

extension CanonicalAddress {
    /// `127.0.0.0/8` or `::1`.
    fileprivate var isLoopback: Bool {
        switch family {
        case .ipv4: bytes[0] == 127
        case .ipv6: bytes.dropLast().allSatisfy { $0 == 0 } && bytes[15] == 1
        }
    }
}
