import Foundation

/// An Envoy bootstrap that takes everything from meshbox's ADS server: node id and cluster,
/// `node.metadata.roles: gateway`, ADS over gRPC (state of the world or delta) to `xds_cluster`,
/// which speaks HTTP/2 with mutual TLS (the node's certificate and key, the mesh CA as trust).
/// The shape verified with Envoy 1.40 in ../shared/docs/xds-subset.md §7.1.
struct EnvoyBootstrap {
    struct TLSMaterial {
        var certificateChainPEM: String
        var privateKeyPEM: String
        var trustedCAPEM: String
    }

    enum TLS {
        case inline(TLSMaterial)
        case files(certificate: String, key: String, trustedCA: String)
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
                      tls_certificates:
                      - certificate_chain:
            \(source(certificate, indent: 14))
                        private_key:
            \(source(key, indent: 14))
                      validation_context:
                        trusted_ca:
            \(source(trustedCA, indent: 14))

            """
    }

    private enum Source {
        case file(String)
        case pem(String)
    }

    private var certificate: Source {
        switch tls {
        case .inline(let material): .pem(material.certificateChainPEM)
        case .files(let path, _, _): .file(path)
        }
    }

    private var key: Source {
        switch tls {
        case .inline(let material): .pem(material.privateKeyPEM)
        case .files(_, let path, _): .file(path)
        }
    }

    private var trustedCA: Source {
        switch tls {
        case .inline(let material): .pem(material.trustedCAPEM)
        case .files(_, _, let path): .file(path)
        }
    }

    /// A DataSource: `filename: PATH`, or `inline_string: |` with the PEM as a literal block.
    private func source(_ source: Source, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        switch source {
        case .file(let path):
            return pad + "filename: " + quoted(path)
        case .pem(let pem):
            let lines = pem.split(separator: "\n", omittingEmptySubsequences: true).map { pad + "  " + $0 }
            return ([pad + "inline_string: |"] + lines).joined(separator: "\n")
        }
    }

    /// A YAML double-quoted scalar.
    private func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
