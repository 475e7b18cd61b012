import Foundation

/// An Envoy bootstrap that takes everything from meshbox's ADS server: node id and cluster,
/// `node.metadata.roles: gateway`, ADS over gRPC (state of the world or delta) to `xds_cluster`,
/// which speaks HTTP/2 with mutual TLS (the node's certificate and key, the mesh CA as trust).
/// The shape verified with Envoy 1.40 in ../shared/docs/xds-subset.md §7.1.
///
/// Inline, the certificate lives as long as the bootstrap. In files (`--out-dir`), Envoy reads
/// them through file-based SDS (`path_config_source` with a watched directory): files replaced
/// by a rename into the directory (`meshbox envoy bootstrap --renew`) are used from the next
/// connection to the ADS server on, without a restart.
struct EnvoyBootstrap {
    struct TLSMaterial {
        var certificateChainPEM: String
        var privateKeyPEM: String
        var trustedCAPEM: String
    }

    enum TLS {
        case inline(TLSMaterial)
        /// `node.crt`, `node.key` and `ca.crt` in this directory, through `node-sds.yaml` and `ca-sds.yaml`.
        case files(directory: String)
    }

    /// The files of `.files(directory:)`, by name in the directory.
    enum FileName {
        static let certificate = "node.crt"
        static let key = "node.key"
        static let trustedCA = "ca.crt"
        static let certificateSDS = "node-sds.yaml"
        static let trustedCASDS = "ca-sds.yaml"
    }

    /// The SDS names of the bootstrap's own files (in `config_dump` among the dynamic secrets,
    /// without a version: they come from files, not from the ADS server).
    enum SecretName {
        static let certificate = "bootstrap://node"
        static let trustedCA = "bootstrap://ca"
    }

    var nodeID: String
    var cluster: String
    var serverHost: String
    var serverPort: Int
    var adminPort: Int
    var delta: Bool
    var tls: TLS

    var yaml: String {
        // An IP literal needs no resolver; a host name is resolved by Envoy (and re-resolved).
        let isIP = serverHost.contains(":") || serverHost.split(separator: ".").allSatisfy { UInt8($0) != nil }
        let host = serverHost.hasPrefix("[") ? String(serverHost.dropFirst().dropLast()) : serverHost
        return """
            node:
              id: \(quoted(nodeID))
              cluster: \(quoted(cluster))
              metadata:
                roles: gateway
            admin:
              address:
                socket_address: { address: 127.0.0.1, port_value: \(adminPort) }
            layered_runtime:
              layers:
              # Envoy refuses a regex whose RE2 program is over 100 instructions; meshbox (as
              # Istio) accepts up to 32,768, so a route it serves must not be rejected for it.
              - name: meshbox
                static_layer:
                  re2.max_program_size.error_level: 32768
            dynamic_resources:
              ads_config:
                api_type: \(delta ? "DELTA_GRPC" : "GRPC")
                transport_api_version: V3
                set_node_on_first_message_only: true
                grpc_services:
                - envoy_grpc:
                    cluster_name: xds_cluster
              cds_config:
                resource_api_version: V3
                ads: {}
              lds_config:
                resource_api_version: V3
                ads: {}
            static_resources:
              clusters:
              - name: xds_cluster
                type: \(isIP ? "STATIC" : "STRICT_DNS")
                connect_timeout: 1s
                load_assignment:
                  cluster_name: xds_cluster
                  endpoints:
                  - lb_endpoints:
                    - endpoint:
                        address:
                          socket_address: { address: \(quoted(host)), port_value: \(serverPort) }
                typed_extension_protocol_options:
                  envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                    "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                    explicit_http_config:
                      http2_protocol_options:
                        connection_keepalive: { interval: 30s, timeout: 5s }
                transport_socket:
                  name: envoy.transport_sockets.tls
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                    common_tls_context:
            \(commonTLSContext)

            """
    }

    /// The node's certificate and the mesh CA (under `common_tls_context`), inline or through file-based SDS.
    private var commonTLSContext: String {
        let pad = String(repeating: " ", count: 10)
        switch tls {
        case .inline(let material):
            return [
                pad + "tls_certificates:", pad + "- certificate_chain:", inline(material.certificateChainPEM, indent: 14),
                pad + "  private_key:", inline(material.privateKeyPEM, indent: 14),
                pad + "validation_context:", pad + "  trusted_ca:", inline(material.trustedCAPEM, indent: 14),
            ].joined(separator: "\n")
        case .files(let directory):
            return [
                pad + "tls_certificate_sds_secret_configs:",
                pad + "- name: \(quoted(SecretName.certificate))", pad + "  sds_config:",
                Self.pathSource(directory + "/" + FileName.certificateSDS, watching: directory, indent: 14),
                pad + "validation_context_sds_secret_config:",
                pad + "  name: \(quoted(SecretName.trustedCA))", pad + "  sds_config:",
                Self.pathSource(directory + "/" + FileName.trustedCASDS, watching: directory, indent: 14),
            ].joined(separator: "\n")
        }
    }

    /// A ConfigSource that reads `path` again whenever a file is renamed into `directory`.
    private static func pathSource(_ path: String, watching directory: String, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        return [
            "resource_api_version: V3", "path_config_source:", "  path: \(quoted(path))",
            "  watched_directory: { path: \(quoted(directory)) }",
        ].map { pad + $0 }.joined(separator: "\n")
    }

    /// The SDS files of `.files(directory:)`: file name → content. Envoy watches the PEM files they
    /// name (a rename into `directory`) and reads a certificate and its key together.
    static func sdsFiles(directory: String) -> [String: String] {
        let secretType = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"
        let node = """
            resources:
            - "@type": \(secretType)
              name: \(quoted(SecretName.certificate))
              tls_certificate:
                certificate_chain: { filename: \(quoted(directory + "/" + FileName.certificate)) }
                private_key: { filename: \(quoted(directory + "/" + FileName.key)) }
                watched_directory: { path: \(quoted(directory)) }

            """
        let ca = """
            resources:
            - "@type": \(secretType)
              name: \(quoted(SecretName.trustedCA))
              validation_context:
                trusted_ca: { filename: \(quoted(directory + "/" + FileName.trustedCA)) }

            """
        return [FileName.certificateSDS: node, FileName.trustedCASDS: ca]
    }

    /// A DataSource with the PEM as a literal block.
    private func inline(_ pem: String, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        let lines = pem.split(separator: "\n", omittingEmptySubsequences: true).map { pad + "  " + $0 }
        return ([pad + "inline_string: |"] + lines).joined(separator: "\n")
    }

    /// A YAML double-quoted scalar.
    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private func quoted(_ text: String) -> String { Self.quoted(text) }
}
