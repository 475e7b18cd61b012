import Foundation

/// The real `meshbox` binary on `MeshHosts`: a control plane on one host, nodes that follow it on
/// others. Every process is started with `start(in:…)`, so `with` stops it at the latest.
extension MeshHosts {
    /// What the binary runs with in a host: the tools' search path and a home.
    public static let environment = ["PATH": NetworkNamespace.path, "HOME": NSTemporaryDirectory()]

    /// A control plane (`config,registry,ca,console`) on a host: its admin API over https on
    /// `<host name>:15000` with a mesh-CA certificate for that name, its ADS server on
    /// `<host address>:15012` whose certificate names `nodeName`.
    public struct ControlPlane: Sendable {
        public let host: Host
        public let process: ChildProcess
        public let nodeName: String
        public let dataDirectory: String
        /// Standard output and error.
        public let log: String
        public let admin: MeshHostsAdmin

        /// `https://10.78.0.1:15012`.
        public var xdsURL: String { "https://\(host.address):15012" }

        /// The `serve` arguments that make a node follow this control plane (with `joinToken`, join it).
        public func nodeArguments(joinToken: String?) -> [String] {
            [
                "--control-plane", xdsURL, "--control-plane-server-name", nodeName, "--control-plane-admin", admin.baseURL,
                "--control-plane-ca", admin.caFile,
            ] + (joinToken.map { ["--join-token", $0] } ?? [])
        }
    }

    /// Starts a control plane on `host` with its data in `directory/<nodeName>`; returns once its
    /// ADS server and admin API listen. `config` is appended to its config file.
    public func startControlPlane(
        on host: Host, directory: TemporaryDirectory, nodeName: String = "cp1", config: String = ""
    ) async throws -> ControlPlane {
        let data = directory.file(nodeName)
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let file = directory.file("\(nodeName).yaml")
        try """
        nodeName: \(nodeName)
        xds: {enabled: true, listen: \(host.address), port: 15012}
        console:
          allowedHosts: [\(host.name)]
          tls: {meshCA: true, dnsNames: [\(host.name), localhost]}
        \(config)
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let log = directory.file("\(nodeName).log")
        let process = try start(
            in: host,
            [MeshboxProcess.binaryPath(), "serve", "--data-dir", data, "--config", file, "--roles", "config,registry,ca,console",
                "--console-listen", "\(host.address):15000"],
            output: log, environment: Self.environment)
        let text = { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        try await eventually("the control plane on \(host)", timeout: .seconds(60)) {
            guard process.isRunning else { throw TimedOut("the control plane exited: \(text().suffix(3000))") }
            return text().contains("xDS server listening") && FileManager.default.fileExists(atPath: data + "/console.url")
        }
        let roots = try FileManager.default.contentsOfDirectory(atPath: data + "/ca").sorted()
        guard let root = roots.first(where: { $0.hasPrefix("root-") && $0.hasSuffix(".cert.pem") }) else {
            throw TimedOut("no root certificate in \(data)/ca: \(roots)")
        }
        let token = try String(contentsOfFile: data + "/admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let admin = MeshHostsAdmin(
            hosts: self, host: host, baseURL: "https://\(host.name):15000", token: token, caFile: data + "/ca/" + root,
            directory: directory)
        return ControlPlane(host: host, process: process, nodeName: nodeName, dataDirectory: data, log: log, admin: admin)
    }

    /// Starts `meshbox serve --roles <roles>` on `host` following `controlPlane`, with its data in
    /// `directory/<name>` (kept across restarts) and `config` in its config file after `nodeName`.
    public func startNode(
        _ name: String, on host: Host, roles: String = "proxy", controlPlane: ControlPlane, joinToken: String?,
        directory: TemporaryDirectory, config: String = "proxy: {capture: iptables, installRoutes: true}\n", log: String
    ) throws -> ChildProcess {
        let data = directory.file(name)
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let file = directory.file("\(name).yaml")
        try "nodeName: \(name)\n\(config)".write(toFile: file, atomically: true, encoding: .utf8)
        return try start(
            in: host,
            [MeshboxProcess.binaryPath(), "serve", "--data-dir", data, "--config", file, "--roles", roles]
                + controlPlane.nodeArguments(joinToken: joinToken),
            output: log, environment: Self.environment)
    }
}

/// A control plane's admin API called from inside its host (`curl` over https, trusting the mesh
/// root), for a control plane that listens on a `MeshHosts` address only.
public struct MeshHostsAdmin: Sendable {
    public let hosts: MeshHosts
    public let host: MeshHosts.Host
    /// `https://host1.mesh.test:15000`.
    public let baseURL: String
    public let token: String
    /// The mesh root the console's certificate chains to.
    public let caFile: String
    /// Where request bodies are written.
    public let directory: TemporaryDirectory

    /// POSTs `body`; the response body. Throws on a status of 400 or more, with the body.
    @discardableResult
    public func post(_ path: String, _ body: String, contentType: String) async throws -> String {
        let file = directory.file("body-\(UInt32.random(in: 0...UInt32.max))")
        try body.write(toFile: file, atomically: true, encoding: .utf8)
        return try await hosts.run(
            in: host, "curl", "-sS", "-m", "20", "--fail-with-body", "--cacert", caFile, "-H", "Authorization: Bearer \(token)",
            "-H", "Content-Type: \(contentType)", "--data-binary", "@\(file)", baseURL + path)
    }

    /// `meshbox apply -f`.
    public func apply(_ yaml: String) async throws {
        try await post("/api/v1/apply", yaml, contentType: "application/yaml")
    }

    /// `meshbox register` of one instance with one port named `http`.
    public func register(service: String, address: String, port: Int, node: String? = nil) async throws {
        let onNode = node.map { #","node":"\#($0)""# } ?? ""
        try await post(
            "/api/v1/instances",
            #"{"service":"\#(service)","address":"\#(address)","ports":[{"name":"http","number":\#(port)}]\#(onNode)}"#,
            contentType: "application/json")
    }

    /// A join token for `node` (`meshbox token create --node`).
    public func joinToken(node: String) async throws -> String {
        let text = try await post("/api/v1/ca/tokens", #"{"nodeName":"\#(node)"}"#, contentType: "application/json")
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        guard let token = object?["token"] as? String else { throw TimedOut("no token in \(text)") }
        return token
    }
}
