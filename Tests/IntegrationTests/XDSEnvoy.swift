import Foundation
import MeshTesting

#if canImport(Glibc)
    import Glibc
#endif

/// The real Envoy started with a bootstrap file, stopped by its PID.
final class XDSEnvoy: Sendable {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static var binary: String? { EnvoyBinary.path }

    let process: ChildProcess
    let adminPort: Int
    let logPath: String

    init(bootstrap: String, adminPort: Int, directory: TemporaryDirectory) throws {
        guard let binary = Self.binary else { throw Failure(description: "no envoy binary") }
        self.adminPort = adminPort
        logPath = directory.file("envoy.log")
        process = try ChildProcess(
            executable: binary,
            arguments: [
                "-c", bootstrap, "--base-id", String(Int.random(in: 1000..<60000)), "--disable-hot-restart", "-l", "info",
                "--log-path", logPath, "--file-flush-interval-msec", "200",
            ],
            standardOutput: directory.file("envoy.out"), standardError: directory.file("envoy.out"))
    }

    func admin(_ path: String) async throws -> String {
        let (status, output) = try await Tool.run("curl", ["-sS", "--max-time", "5", "http://127.0.0.1:\(adminPort)\(path)"])
        guard status == 0 else { throw Failure(description: "GET \(path) on Envoy's admin failed: \(output)") }
        return output
    }

    /// `/config_dump?include_eds`, read for what xDS delivered.
    func configDump() async throws -> XDSConfigDump {
        try XDSConfigDump(json: try await admin("/config_dump?include_eds"))
    }

    /// The stat values whose names contain `filter`, by name.
    func stats(_ filter: String) async throws -> [String: Int] {
        var values: [String: Int] = [:]
        for line in try await admin("/stats?filter=\(filter)").split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, let value = Int(parts[1]) { values[parts[0]] = value }
        }
        return values
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func stop() async -> Int32? {
        process.signal(SIGTERM)
        return await process.exit(within: .seconds(10))
    }

    /// For `defer`: SIGKILL if still running.
    func kill() {
        if process.isRunning { process.signal(SIGKILL) }
    }
}

/// What Envoy's `/config_dump?include_eds` says about its dynamic (xDS) resources.
struct XDSConfigDump {
    /// Resource names by short type (`Cluster`, `ClusterLoadAssignment`, `Listener`,
    /// `RouteConfiguration`, `Secret`), active ones only.
    var names: [String: Set<String>] = [:]
    /// `version_info` of each active resource, by "Type/name".
    var versions: [String: String] = [:]
    /// "Type/name: details" of every resource with an `error_state` (a rejected update).
    var errorStates: [String] = []
    /// "Type/name" of every resource Envoy still warms.
    var warming: [String] = []
    /// "Type/name" of active resources without a `version_info` (endpoints never have one).
    var unversioned: [String] = []
    /// The raw text, for messages.
    var text: String

    init(json: String) throws {
        text = json
        guard let root = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let configs = root["configs"] as? [[String: Any]]
        else { throw XDSEnvoy.Failure(description: "config_dump is not {configs: [...]}: \(json.prefix(300))") }
        for config in configs {
            for (key, value) in config {
                guard let entries = value as? [[String: Any]] else { continue }
                switch key {
                case "dynamic_active_clusters":
                    add("Cluster", entries) { ($0["cluster"] as? [String: Any])?["name"] as? String }
                case "dynamic_warming_clusters", "dynamic_warming_secrets":
                    warming += entries.map { "\(key): \($0["name"] ?? ($0["cluster"] as? [String: Any])?["name"] ?? "?")" }
                case "dynamic_route_configs":
                    add("RouteConfiguration", entries) { ($0["route_config"] as? [String: Any])?["name"] as? String }
                case "dynamic_active_secrets":
                    // The bootstrap's own files (file-based SDS, `bootstrap://…`) are not from the ADS server.
                    let served = entries.filter { ($0["name"] as? String)?.hasPrefix("bootstrap://") != true }
                    add("Secret", served) { $0["name"] as? String }
                case "dynamic_endpoint_configs":
                    add("ClusterLoadAssignment", entries) { ($0["endpoint_config"] as? [String: Any])?["cluster_name"] as? String }
                case "dynamic_listeners":
                    for entry in entries {
                        let name = entry["name"] as? String ?? "?"
                        if let error = entry["error_state"] { errorStates.append("Listener/\(name): \(error)") }
                        if entry["warming_state"] != nil { warming.append("Listener/\(name)") }
                        guard let active = entry["active_state"] as? [String: Any] else { continue }
                        names["Listener", default: []].insert(name)
                        if let version = active["version_info"] as? String, !version.isEmpty {
                            versions["Listener/\(name)"] = version
                        } else {
                            unversioned.append("Listener/\(name)")
                        }
                    }
                default: continue
                }
            }
        }
    }

    private mutating func add(_ type: String, _ entries: [[String: Any]], name: ([String: Any]) -> String?) {
        for entry in entries {
            let resourceName = name(entry) ?? "?"
            names[type, default: []].insert(resourceName)
            if let error = entry["error_state"] { errorStates.append("\(type)/\(resourceName): \(error)") }
            if let status = entry["client_status"] as? String, status != "ACKED" {
                errorStates.append("\(type)/\(resourceName): client_status \(status)")
            }
            if let version = entry["version_info"] as? String, !version.isEmpty {
                versions["\(type)/\(resourceName)"] = version
            } else if type != "ClusterLoadAssignment" {
                // Envoy 1.40 shows no version_info for EDS resources.
                unversioned.append("\(type)/\(resourceName)")
            }
        }
    }
}
