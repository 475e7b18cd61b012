import MeshModel
import Yams

extension KeyReader {
    /// An IP address to bind (a literal, not a name or a CIDR).
    func bindAddress(_ node: Node, path: String, examples: String) throws -> String {
        let host = try string(node, path: path)
        guard !host.contains("/"), IPBlock(host) != nil else {
            throw error(path, "must be an IP address to bind (e.g. \(examples)), got '\(host)'")
        }
        return host
    }

    /// A TCP or UDP port; `allowZero` for a listener that may take a free port.
    func port(_ node: Node, path: String, allowZero: Bool = false) throws -> Int {
        let port = try int(node, path: path)
        let range = (allowZero ? 0 : 1)...65535
        guard range.contains(port) else { throw error(path, "must be \(range.lowerBound)-65535, got \(port)") }
        return port
    }
}
