import MeshModel
import Yams

/// The `xds:` section of the config file: the ADS server (xDS v3 over gRPC with mutual TLS) that
/// Envoy proxies and remote nodes take their config from. Off unless `enabled: true`; it needs the
/// ca, config and registry roles in the same process (see `XDSAssembly`).
public struct XDSSettings: Sendable, Hashable {
    public var enabled = false
    /// The address the ADS listener binds (an IP literal).
    public var listen = "0.0.0.0"
    /// 15012 as istiod's; 0 picks a free port (logged).
    public var port = 15012

    public init() {}

    mutating func read(_ node: Node, reader: KeyReader, path base: String) throws {
        try reader.object(node, path: base) { key, value, path in
            switch key {
            case "enabled": enabled = try reader.bool(value, path: path)
            case "listen": listen = try reader.bindAddress(value, path: path, examples: "0.0.0.0, 127.0.0.1 or ::")
            case "port": port = try reader.port(value, path: path, allowZero: true)
            default: throw reader.unknown(path)
            }
        }
    }

    var summary: [String] {
        ["xds.enabled: \(enabled)", "xds.listen: \(listen)", "xds.port: \(port)"]
    }
}
