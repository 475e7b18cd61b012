public import Foundation
import MeshXDSClient
import Yams

/// The `controlPlane:` section of the config file (flags `--control-plane`, `--join-token`,
/// `--control-plane-admin`, `--control-plane-ca`, `--control-plane-server-name`): this process
/// is a remote node that takes its snapshots over xDS from another meshbox process. Unset
/// (`url` nil): snapshots come from the compiler in this process.
public struct RemoteNodeSettings: Sendable, Hashable {
    /// The control plane's ADS server, `https://HOST[:PORT]` (port 15012 by default).
    public var url: String?
    /// A join token (`meshbox token create --node NAME`), spent only when `<data-dir>/node/`
    /// holds no valid node certificate.
    public var joinToken: String?
    /// The control plane's admin API for the join (`POST /join/v1/node`); default the ADS host on
    /// port 15000, `https` (`http` when the host is a loopback address).
    public var adminURL: String?
    /// A PEM file of CA certificates the admin API's certificate must chain to (default: the
    /// system's roots). The ADS server is verified with the mesh trust bundle the join returns.
    public var caFile: String?
    /// The name the ADS server's certificate must carry (it names `localhost` and the control
    /// plane's node name); default the URL's host, or `localhost` for a loopback address.
    public var serverName: String?

    public init() {}

    public var isEnabled: Bool { url != nil }

    /// The settings checked and completed: ADS host, port and server name, and the admin URL.
    public struct Resolved: Sendable, Hashable {
        public var host: String
        public var port: Int
        public var serverName: String
        public var adminURL: URL
    }

    mutating func read(_ node: Node, reader: KeyReader, path base: String) throws {
        try reader.object(node, path: base) { key, value, path in
            switch key {
            case "url": url = try Self.nonEmpty(reader.string(value, path: path), reader: reader, path: path)
            case "joinToken": joinToken = try Self.nonEmpty(reader.string(value, path: path), reader: reader, path: path)
            case "adminURL": adminURL = try Self.nonEmpty(reader.string(value, path: path), reader: reader, path: path)
            case "ca": caFile = try Self.nonEmpty(reader.string(value, path: path), reader: reader, path: path)
            case "serverName": serverName = try Self.nonEmpty(reader.string(value, path: path), reader: reader, path: path)
            default: throw reader.unknown(path)
            }
        }
        _ = try resolve(source: reader.source + ": " + base)
    }

    private static func nonEmpty(_ text: String, reader: KeyReader, path: String) throws -> String {
        guard !text.isEmpty else { throw reader.error(path, "must not be empty") }
        return text
    }

    /// Checks the settings; `source` prefixes errors (`--control-plane` or `file: controlPlane`).
    public func resolve(source: String = "controlPlane") throws -> Resolved? {
        guard let url else {
            let stray = [joinToken.map { _ in "joinToken" }, adminURL.map { _ in "adminURL" }, caFile.map { _ in "ca" }, serverName.map { _ in "serverName" }]
                .compactMap { $0 }
            guard stray.isEmpty else {
                throw ApplianceError("\(source).\(stray[0]): needs controlPlane.url (--control-plane)")
            }
            return nil
        }
        guard let parsed = URL(string: url), parsed.scheme == "https", let host = parsed.host(percentEncoded: false), !host.isEmpty,
            parsed.path.isEmpty || parsed.path == "/", parsed.query == nil, parsed.user == nil
        else {
            throw ApplianceError("\(source).url: must be https://HOST[:PORT] (the control plane's ADS server, mutual TLS), got '\(url)'")
        }
        let port = parsed.port ?? 15012
        guard (1...65535).contains(port) else { throw ApplianceError("\(source).url: port must be 1-65535, got \(port)") }
        let loopback = Self.isLoopback(host)
        guard let name = serverName ?? XDSClient.defaultServerName(host: host) else {
            throw ApplianceError(
                "\(source).serverName: the ADS server's certificate names localhost and the control plane's node name, not an IP address; give the name to check (--control-plane-server-name)")
        }
        let adminText = adminURL ?? "\(loopback ? "http" : "https")://\(host.contains(":") ? "[\(host)]" : host):15000"
        guard let admin = URL(string: adminText), let scheme = admin.scheme, ["http", "https"].contains(scheme),
            let adminHost = admin.host(percentEncoded: false), !adminHost.isEmpty
        else {
            throw ApplianceError("\(source).adminURL: must be https://HOST[:PORT], got '\(adminText)'")
        }
        guard scheme == "https" || Self.isLoopback(adminHost) else {
            throw ApplianceError("\(source).adminURL: plain http only to a loopback address (the join sends a token and gets a key's certificate); use https, got '\(adminText)'")
        }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw ApplianceError("\(source).ca: \(caFile): cannot read it")
        }
        return Resolved(host: host, port: port, serverName: name, adminURL: admin)
    }

    /// A loopback address or `localhost` (not a name that merely starts with `127.`).
    static func isLoopback(_ host: String) -> Bool { ConsoleSettings.isLoopback(host) }

    var summary: [String] {
        [
            "controlPlane.url: \(url ?? "")", "controlPlane.joinToken: \(joinToken == nil ? "" : "(set)")",
            "controlPlane.adminURL: \(adminURL ?? "")", "controlPlane.ca: \(caFile ?? "")",
            "controlPlane.serverName: \(serverName ?? "")",
        ]
    }
}

extension RemoteNodeSettings {
    /// Flags over the file: each one given replaces the file's key; the result is checked.
    mutating func override(with flags: RemoteNodeSettings) throws {
        if let url = flags.url { self.url = url }
        if let token = flags.joinToken { joinToken = token }
        if let admin = flags.adminURL { adminURL = admin }
        if let ca = flags.caFile { caFile = ca }
        if let name = flags.serverName { serverName = name }
        _ = try resolve(source: "--control-plane")
    }
}
