import Foundation
import MeshTesting

/// A control plane's admin API called from inside its host (`curl` over https, trusting the mesh
/// root), for tests whose control plane listens on a `MeshHosts` address only.
struct MultiHostAdmin {
    let hosts: MeshHosts
    let host: MeshHosts.Host
    /// `https://host1.mesh.test:15000`.
    let baseURL: String
    let token: String
    /// The mesh root the console's certificate chains to.
    let caFile: String
    /// Where request bodies are written.
    let directory: TemporaryDirectory

    /// POSTs `body`; the response body. Throws on a status of 400 or more, with the body.
    @discardableResult
    func post(_ path: String, _ body: String, contentType: String) async throws -> String {
        let file = directory.file("body-\(UInt32.random(in: 0...UInt32.max))")
        try body.write(toFile: file, atomically: true, encoding: .utf8)
        return try await hosts.run(
            in: host, "curl", "-sS", "-m", "20", "--fail-with-body", "--cacert", caFile, "-H", "Authorization: Bearer \(token)",
            "-H", "Content-Type: \(contentType)", "--data-binary", "@\(file)", baseURL + path)
    }

    func apply(_ yaml: String) async throws {
        try await post("/api/v1/apply", yaml, contentType: "application/yaml")
    }

    func register(service: String, address: String, port: Int) async throws {
        try await post(
            "/api/v1/instances", #"{"service":"\#(service)","address":"\#(address)","ports":[{"name":"http","number":\#(port)}]}"#,
            contentType: "application/json")
    }

    /// A join token for `node` (`meshbox token create --node`).
    func joinToken(node: String) async throws -> String {
        let text = try await post("/api/v1/ca/tokens", #"{"nodeName":"\#(node)"}"#, contentType: "application/json")
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        guard let token = object?["token"] as? String else { throw TimedOut("no token in \(text)") }
        return token
    }
}
