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
            case "listen":
                let host = try reader.string(value, path: path)
                guard Self.isIPLiteral(host) else {
                    throw reader.error(path, "must be an IP address to bind (e.g. 0.0.0.0, 127.0.0.1 or ::), got '\(host)'")
                }
                listen = host
            case "port":
                let port = try reader.int(value, path: path)
                guard (0...65535).contains(port) else { throw reader.error(path, "must be 0-65535, got \(port)") }
                self.port = port
            default: throw reader.unknown(path)
            }
        }
    }

    static func isIPLiteral(_ text: String) -> Bool {
        !text.contains("/") && IPBlock(text) != nil
    }

    var summary: [String] {
        ["xds.enabled: \(enabled)", "xds.listen: \(listen)", "xds.port: \(port)"]
    }
}
