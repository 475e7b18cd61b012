import Foundation
public import MeshConsole
import MeshAPI
import MeshCore
import Yams

/// The console's listener security: TLS, who may connect, and its limits (the `console:` keys
/// besides `listen`, `webRoot` and the session lifetimes).
public struct ConsoleSettings: Sendable, Equatable {
    /// PEM certificate chain and private key the console serves TLS with.
    public var tlsCertFile: String?
    public var tlsKeyFile: String?
    /// Serve TLS with a certificate the mesh CA in this process issues and renews.
    public var tlsMeshCA = false
    /// DNS names of that certificate; empty: `localhost`, the listen host if it is a name, and the
    /// exact names of `allowedHosts`.
    public var tlsDNSNames: [String] = []
    /// Browsers reach the console through a TLS-terminating proxy: cookies carry `Secure`.
    public var behindTLSProxy = false
    /// Allow plain HTTP on a non-loopback address (the admin token then crosses the network in clear).
    public var allowInsecureRemote = false
    /// `Host` names served besides IP literals, `localhost` and the listen address.
    public var allowedHosts: [String] = []
    public var metricsAuth: MetricsAuth = .token
    public var idleTimeout: Duration = .seconds(60)
    public var requestHeaderTimeout: Duration = .seconds(10)
    /// Nil: the descriptor budget's share for the console (`DescriptorBudget.consoleConnections`).
    public var maxConnections: Int?
    public var loginMaxFailures = 10
    public var loginWindow: Duration = .seconds(60)

    public init() {}

    var usesTLS: Bool { tlsCertFile != nil || tlsMeshCA }

    /// Reads one `console.<key>` this type owns; unknown keys are errors naming the path.
    mutating func read(key: String, value: Node, reader: KeyReader, path: String) throws {
        switch key {
        case "tls":
            try reader.object(value, path: path) { key, value, path in
                switch key {
                case "certFile": tlsCertFile = try nonEmpty(reader, value, path)
                case "keyFile": tlsKeyFile = try nonEmpty(reader, value, path)
                case "meshCA": tlsMeshCA = try reader.bool(value, path: path)
                case "dnsNames":
                    tlsDNSNames = try reader.stringList(value, path: path)
                    for (index, name) in tlsDNSNames.enumerated() {
                        if let problem = MeshCAMaterial.dnsNameProblem(name) { throw reader.error("\(path)[\(index)]", problem) }
                    }
                default: throw reader.unknown(path)
                }
            }
            guard (tlsCertFile == nil) == (tlsKeyFile == nil) else { throw reader.error(path, "needs both certFile and keyFile") }
            guard !(tlsMeshCA && tlsCertFile != nil) else {
                throw reader.error(path, "certFile/keyFile and meshCA are two ways to get a certificate; pick one")
            }
            // The names go on the certificate the mesh CA issues; a file's certificate has its own.
            guard tlsDNSNames.isEmpty || tlsMeshCA else {
                throw reader.error(path + ".dnsNames", "names the mesh CA's certificate: needs meshCA: true")
            }
        case "behindTLSProxy": behindTLSProxy = try reader.bool(value, path: path)
        case "allowInsecureRemote": allowInsecureRemote = try reader.bool(value, path: path)
        case "allowedHosts": allowedHosts = try reader.stringList(value, path: path)
        case "metricsAuth":
            let text = try reader.string(value, path: path)
            guard let auth = MetricsAuth(rawValue: text) else { throw reader.error(path, "must be token or none, got '\(text)'") }
            metricsAuth = auth
        case "idleTimeout": idleTimeout = try reader.duration(value, path: path)
        case "requestHeaderTimeout": requestHeaderTimeout = try reader.duration(value, path: path)
        case "maxConnections":
            let count = try reader.int(value, path: path)
            guard (1...1_000_000).contains(count) else { throw reader.error(path, "must be 1-1000000, got \(count)") }
            maxConnections = count
        case "loginThrottle":
            try reader.object(value, path: path) { key, value, path in
                switch key {
                case "maxFailures":
                    loginMaxFailures = try reader.int(value, path: path)
                    // Each failure is kept until its window ends, for up to 4,096 addresses: the
                    // bound keeps that at a few MiB.
                    guard (1...1_000).contains(loginMaxFailures) else {
                        throw reader.error(path, "must be 1-1000, got \(loginMaxFailures)")
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
                + "serve TLS (console.tls.certFile and console.tls.keyFile, or console.tls.meshCA: true), listen on 127.0.0.1, "
                + "or set console.allowInsecureRemote: true (e.g. behind a TLS proxy on the same host)")
    }

    static func isLoopback(_ host: String) -> Bool {
        let name = host.lowercased()
        if name == "localhost" || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// What the console role runs with; reads the certificate files (errors name the key).
    /// `meshCATLS` is the listener's certificate from the mesh CA, with `console.tls.meshCA`;
    /// `connectionBudget` the cap when `maxConnections` is not set.
    func consoleConfiguration(
        base: AdminConsole.Configuration, meshCATLS: ConsoleTLS?, connectionBudget: Int
    ) throws -> AdminConsole.Configuration {
        var configuration = base
        configuration.usesTLS = behindTLSProxy
        configuration.tls = meshCATLS
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
        configuration.requestHeaderTimeout = requestHeaderTimeout
        configuration.maxConnections = maxConnections ?? connectionBudget
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
            "console.tls.meshCA: \(tlsMeshCA)",
            "console.tls.dnsNames: \(tlsDNSNames.joined(separator: ","))",
            "console.behindTLSProxy: \(behindTLSProxy)",
            "console.allowInsecureRemote: \(allowInsecureRemote)",
            "console.allowedHosts: \(allowedHosts.joined(separator: ","))",
            "console.metricsAuth: \(metricsAuth.rawValue)",
            "console.idleTimeout: \(DurationText.format(idleTimeout))",
            "console.requestHeaderTimeout: \(DurationText.format(requestHeaderTimeout))",
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

extension ConsoleSettings {
    /// The names of a mesh-CA console certificate: `tlsDNSNames`, else `localhost`, the listen
    /// host when it is a DNS name, and the exact names of `allowedHosts`.
    func meshCADNSNames(listenHost: String) -> [String] {
        if !tlsDNSNames.isEmpty { return tlsDNSNames }
        let candidates = ["localhost", listenHost.lowercased()] + allowedHosts.map { $0.lowercased() }
        var names: [String] = []
        for name in candidates where MeshCAMaterial.dnsNameProblem(name) == nil && !names.contains(name) {
            // An IPv4 address passes as a DNS name by shape; the CA's path signs names only.
            guard !name.split(separator: ".").allSatisfy({ UInt8($0) != nil }) else { continue }
            names.append(name)
        }
        return names
    }
}
