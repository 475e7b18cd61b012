import Foundation
import NIOCore

/// Where and how patiently `DNSResolver` asks: the servers in order, the time one server gets
/// per query, and how many rounds over the list a query makes before it fails.
public struct DNSResolverConfiguration: Sendable, Hashable {
    /// A recursive resolver: an IP address (IPv4 or IPv6) and a port.
    public struct Server: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int = 53) {
            self.host = host
            self.port = port
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// glibc's resolver timeout and attempts (resolv.conf(5)), the defaults here too.
    public static let defaultTimeout: Duration = .seconds(5)
    public static let defaultAttempts = 2

    public var servers: [Server]
    public var timeout: Duration
    /// Rounds over `servers` (each server gets `timeout` per round).
    public var attempts: Int

    public init(servers: [Server], timeout: Duration = defaultTimeout, attempts: Int = defaultAttempts) {
        self.servers = servers
        self.timeout = timeout
        self.attempts = max(1, attempts)
    }

    /// The host's resolvers from resolv.conf text: its `nameserver` lines in order (an entry that
    /// is not an IP address is skipped) and its `options timeout:N attempts:N`. Without a
    /// nameserver, 127.0.0.1 as glibc does.
    public init(resolvConf text: String) {
        var servers: [Server] = []
        var timeout = Self.defaultTimeout
        var attempts = Self.defaultAttempts
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2 else { continue }
            switch fields[0] {
            case "nameserver":
                let host = String(fields[1])
                if (try? SocketAddress(ipAddress: host, port: 53)) != nil { servers.append(Server(host: host)) }
            case "options":
                for option in fields.dropFirst() {
                    if option.hasPrefix("timeout:"), let seconds = Int(option.dropFirst(8)), seconds > 0 {
                        timeout = .seconds(min(seconds, 30))
                    } else if option.hasPrefix("attempts:"), let count = Int(option.dropFirst(9)), count > 0 {
                        attempts = min(count, 5)
                    }
                }
            default: continue
            }
        }
        self.init(
            servers: servers.isEmpty ? [Server(host: "127.0.0.1")] : servers, timeout: timeout, attempts: attempts)
    }

    /// `init(resolvConf:)` over the file at `path` (default /etc/resolv.conf); an unreadable file
    /// counts as empty.
    public static func system(resolvConf path: String = "/etc/resolv.conf") -> DNSResolverConfiguration {
        DNSResolverConfiguration(resolvConf: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
    }
}
