import Foundation
public import MeshConsole
import MeshCore
import Yams
#if canImport(Glibc)
import Glibc
#endif

/// The console's listener security: TLS, who may connect, and its limits (the `console:` keys
/// besides `listen`, `webRoot` and the session lifetimes).
public struct ConsoleSettings: Sendable, Equatable {
    /// PEM certificate chain and private key the console serves TLS with.
    public var tlsCertFile: String?
    public var tlsKeyFile: String?
    /// Browsers reach the console through a TLS-terminating proxy: cookies carry `Secure`.
    public var behindTLSProxy = false
    /// Allow plain HTTP on a non-loopback address (the admin token then crosses the network in clear).
    public var allowInsecureRemote = false
    /// `Host` names served besides IP literals, `localhost` and the listen address.
    public var allowedHosts: [String] = []
    public var metricsAuth: MetricsAuth = .token
    public var idleTimeout: Duration = .seconds(60)
    /// Nil: derived from the descriptor budget (`defaultMaxConnections`).
    public var maxConnections: Int?
    public var loginMaxFailures = 10
    public var loginWindow: Duration = .seconds(60)

    public init() {}

    var usesTLS: Bool { tlsCertFile != nil }

    /// Reads one `console.<key>` this type owns; unknown keys are errors naming the path.
    mutating func read(key: String, value: Node, reader: KeyReader, path: String) throws {
        switch key {
        case "tls":
            try reader.object(value, path: path) { key, value, path in
                switch key {
                case "certFile": tlsCertFile = try nonEmpty(reader, value, path)
                case "keyFile": tlsKeyFile = try nonEmpty(reader, value, path)
                default: throw reader.unknown(path)
                }
            }
            guard (tlsCertFile == nil) == (tlsKeyFile == nil) else { throw reader.error(path, "needs both certFile and keyFile") }
        case "behindTLSProxy": behindTLSProxy = try reader.bool(value, path: path)
        case "allowInsecureRemote": allowInsecureRemote = try reader.bool(value, path: path)
        case "allowedHosts": allowedHosts = try reader.stringList(value, path: path)
        case "metricsAuth":
            let text = try reader.string(value, path: path)
            guard let auth = MetricsAuth(rawValue: text) else { throw reader.error(path, "must be token or none, got '\(text)'") }
            metricsAuth = auth
        case "idleTimeout": idleTimeout = try reader.duration(value, path: path)
        case "maxConnections":
            let count = try reader.int(value, path: path)
            guard (1...1_000_000).contains(count) else { throw reader.error(path, "must be 1-1000000, got \(count)") }
            maxConnections = count
        case "loginThrottle":
            try reader.object(value, path: path) { key, value, path in
                switch key {
                case "maxFailures":
                    loginMaxFailures = try reader.int(value, path: path)
                    guard (1...10_000).contains(loginMaxFailures) else {
                        throw reader.error(path, "must be 1-10000, got \(loginMaxFailures)")
                    }
                case "window": loginWindow = try reader.duration(value, path: path)
                default: throw reader.unknown(path)
                }
            }
        default: throw reader.unknown(path)
        }
    }

    private func nonEmpty(_ reader: KeyReader, _ node: Node, _ path: String) throws -> String {
        let text = try reader.string(node, path: path)
        guard !text.isEmpty else { throw reader.error(path, "must not be empty") }
        return text
    }

    /// Refuses a plain-HTTP listener that other machines can reach, unless allowed explicitly.
    func checkListener(host: String, listen: String) throws {
        guard !usesTLS, !allowInsecureRemote, !Self.isLoopback(host) else { return }
        throw ApplianceError(
            "console.listen \(listen): plain HTTP on a non-loopback address would send the admin token in clear text; "
                + "serve TLS (console.tls.certFile and console.tls.keyFile), listen on 127.0.0.1, "
                + "or set console.allowInsecureRemote: true (e.g. behind a TLS proxy on the same host)")
    }

    static func isLoopback(_ host: String) -> Bool {
        let name = host.lowercased()
        if name == "localhost" || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// The connection cap when none is configured: an eighth of the descriptor limit, 16 to 256.
    /// The console is an admin listener (a browser holds a few connections, and one per live
    /// view); the rest of the budget belongs to the gateway, the stores and upstreams.
    static func defaultMaxConnections(descriptorLimit: Int) -> Int {
        min(256, max(16, descriptorLimit / 8))
    }

    /// The soft `RLIMIT_NOFILE`, read when the connection cap is derived (after any raise at start).
    static func descriptorLimit() -> Int {
        var limit = rlimit()
        #if canImport(Glibc)
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        #else
        guard getrlimit(RLIMIT_NOFILE, &limit) == 0 else { return 1024 }
        #endif
        return Int(clamping: limit.rlim_cur)  // RLIM_INFINITY is the largest value: no cap
    }

    /// What the console role runs with; reads the certificate files (errors name the key).
    func consoleConfiguration(base: AdminConsole.Configuration) throws -> AdminConsole.Configuration {
        var configuration = base
        configuration.usesTLS = behindTLSProxy
        if let tlsCertFile, let tlsKeyFile {
            let chain = try Self.read(tlsCertFile, key: "console.tls.certFile")
            let key = try Self.read(tlsKeyFile, key: "console.tls.keyFile")
            do {
                configuration.tls = try ConsoleTLS(certificateChainPEM: chain, privateKeyPEM: key)
            } catch let error as MeshError {
                throw ApplianceError("console.tls.certFile \(tlsCertFile), console.tls.keyFile \(tlsKeyFile): \(error.message)")
            }
        }
        configuration.allowedHosts = allowedHosts
        configuration.metricsAuth = metricsAuth
        configuration.idleTimeout = idleTimeout
        configuration.maxConnections = maxConnections ?? Self.defaultMaxConnections(descriptorLimit: Self.descriptorLimit())
        configuration.loginThrottle = .init(maxFailures: loginMaxFailures, window: loginWindow)
        return configuration
    }

    private static func read(_ path: String, key: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ApplianceError("\(key) \(path): cannot read: \(error.localizedDescription)")
        }
    }

    var summary: [String] {
        [
            "console.tls.certFile: \(tlsCertFile ?? "")",
            "console.tls.keyFile: \(tlsKeyFile ?? "")",
            "console.behindTLSProxy: \(behindTLSProxy)",
            "console.allowInsecureRemote: \(allowInsecureRemote)",
            "console.allowedHosts: \(allowedHosts.joined(separator: ","))",
            "console.metricsAuth: \(metricsAuth.rawValue)",
            "console.idleTimeout: \(DurationText.format(idleTimeout))",
            "console.maxConnections: \(maxConnections.map(String.init) ?? "")",
            "console.loginThrottle.maxFailures: \(loginMaxFailures)",
            "console.loginThrottle.window: \(DurationText.format(loginWindow))",
        ]
    }
}

extension KeyReader {
    func bool(_ node: Node, path: String) throws -> Bool {
        guard case .scalar(let scalar) = node, let value = Bool(scalar.string.lowercased()) else {
            throw error(path, "expected true or false")
        }
        return value
    }
}
