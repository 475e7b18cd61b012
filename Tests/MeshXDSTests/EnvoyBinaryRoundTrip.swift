import Foundation
import MeshTesting
import MeshXDS
import MeshXDSProto
import SwiftProtobuf

/// Our binary encoding read by the real Envoy: the field numbers of our own protos are Envoy's
/// only if what Envoy decodes is what we meant. Envoy reads CDS and LDS as binary
/// `DiscoveryResponse` files (file-based xDS, ../shared/docs/xds-subset.md §9.3), and its admin
/// `/config_dump` prints what it decoded, by field name, as JSON; decoded back into our types it
/// must equal what we sent. A wrong field number shows up as a missing or different field.
enum EnvoyBinaryRoundTrip {
    struct Decoded {
        var clusters: [Envoy_Config_Cluster_V3_Cluster]
        var listeners: [Envoy_Config_Listener_V3_Listener]
        var log: String
    }

    static func run(_ resources: EnvoyValidation.StaticResources) async throws -> Decoded {
        let directory = try TemporaryDirectory(prefix: "meshbox-envoy-binary")
        defer { directory.remove() }
        try write(resources.clusters, typeURL: XDSTypeURL.cluster, to: directory.file("cds.pb"))
        try write(resources.listeners, typeURL: XDSTypeURL.listener, to: directory.file("lds.pb"))
        let secrets = try resources.secrets.map(EnvoyValidation.json).joined(separator: ",\n")
        let bootstrap = """
            {"node": {"id": "meshbox-binary", "cluster": "meshbox"},
             "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}}},
             "dynamic_resources": {
               "cds_config": {"resource_api_version": "V3", "path_config_source": {"path": "\(directory.file("cds.pb"))"}},
               "lds_config": {"resource_api_version": "V3", "path_config_source": {"path": "\(directory.file("lds.pb"))"}}},
             "static_resources": {"secrets": [\(secrets)]}}
            """
        try bootstrap.write(toFile: directory.file("bootstrap.json"), atomically: true, encoding: .utf8)
        let log = directory.file("envoy.log")
        let envoy = try ChildProcess(
            executable: "/usr/bin/env",
            arguments: [
                "envoy", "-c", directory.file("bootstrap.json"), "--admin-address-path", directory.file("admin"),
                "--disable-hot-restart", "-l", "warning", "--file-flush-interval-msec", "100",
            ],
            standardOutput: log,
            standardError: log
        )
        do {
            let decoded = try await dump(
                directory,
                envoy: envoy,
                clusters: resources.clusters.count,
                listeners: resources.listeners.count
            )
            await stop(envoy)
            return Decoded(clusters: decoded.clusters, listeners: decoded.listeners, log: read(log))
        } catch {
            await stop(envoy)
            throw EnvoyValidation.Failure(description: "\(error)\n\(read(log))")
        }
    }

    static func write(_ messages: [some SwiftProtobuf.Message], typeURL: String, to path: String) throws {
        var response = Envoy_Service_Discovery_V3_DiscoveryResponse()
        response.versionInfo = "1"
        response.typeURL = typeURL
        response.resources = messages.map(XDSAny.pack)
        try XDSAny.serialize(response).write(to: URL(fileURLWithPath: path))
    }

    static func dump(
        _ directory: TemporaryDirectory,
        envoy: ChildProcess,
        clusters: Int,
        listeners: Int
    ) async throws -> (clusters: [Envoy_Config_Cluster_V3_Cluster], listeners: [Envoy_Config_Listener_V3_Listener]) {
        var admin = ""
        try await eventually("Envoy's admin address", timeout: .seconds(30)) {
            guard envoy.isRunning else { throw EnvoyValidation.Failure(description: "Envoy exited") }
            admin = read(directory.file("admin")).trimmingCharacters(in: .whitespacesAndNewlines)
            return !admin.isEmpty
        }
        var decodedClusters: [Envoy_Config_Cluster_V3_Cluster] = []
        var decodedListeners: [Envoy_Config_Listener_V3_Listener] = []
        try await eventually(
            "every cluster and listener in /config_dump",
            timeout: .seconds(30),
            every: .milliseconds(200)
        ) {
            let clusterEntries = try configs(admin, "dynamic_active_clusters")
            let listenerEntries = try configs(admin, "dynamic_listeners")
            decodedClusters = try clusterEntries.compactMap { $0["cluster"] }.map { try decode($0) }
            decodedListeners = try listenerEntries.compactMap { ($0["active_state"] as? [String: Any])?["listener"] }
                .map { try decode($0) }
            return decodedClusters.count == clusters && decodedListeners.count == listeners
        }
        return (decodedClusters, decodedListeners)
    }

    static func configs(_ admin: String, _ resource: String) throws -> [[String: Any]] {
        let (status, output) = try ChildProcess.run(
            "/usr/bin/curl",
            ["-s", "http://\(admin)/config_dump?resource=\(resource)"]
        )
        guard status == 0, let object = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        else {
            return []
        }
        return object["configs"] as? [[String: Any]] ?? []
    }

    static func decode<M: SwiftProtobuf.Message>(_ object: Any) throws -> M {
        XDSAny.registerForJSON()
        var options = JSONDecodingOptions()
        options.ignoreUnknownFields = true
        let data = try JSONSerialization.data(withJSONObject: object)
        return try M(jsonUTF8Data: data, options: options)
    }

    static func stop(_ envoy: ChildProcess) async {
        envoy.signal(SIGTERM)
        if await envoy.exit(within: .seconds(10)) == nil {
            envoy.signal(SIGKILL)
            _ = await envoy.exited()
        }
    }

    /// The text-format lines only one side has: what Envoy decoded (`envoy>`) against what we sent (`sent>`).
    static func difference<M: SwiftProtobuf.Message>(_ decoded: M, _ sent: M?) -> String {
        let left = decoded.textFormatString().split(separator: "\n")
        let right = sent?.textFormatString().split(separator: "\n") ?? []
        let onlyLeft = left.filter { !right.contains($0) }.map { "envoy> \($0)" }
        let onlyRight = right.filter { !left.contains($0) }.map { "sent> \($0)" }
        return (onlyLeft + onlyRight).joined(separator: "\n")
    }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
}
