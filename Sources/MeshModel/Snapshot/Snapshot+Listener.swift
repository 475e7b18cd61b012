extension Snapshot {
    /// A port the data plane listens on (xDS `Listener`), named `<address>_<port>` like Istio.
    public struct Listener: Sendable, Hashable, Codable {
        public var name: String
        public var address: String
        public var port: UInt32
        public var `protocol`: ListenerProtocol
        /// Tried in order; a chain with `serverNames` only takes connections whose SNI matches.
        public var filterChains: [FilterChain]
        /// The data-plane role that serves it: a node gets only its roles' listeners.
        public var role: DataPlaneRole
        /// Envoy's `bind_to_port`: false for a listener that owns no socket and takes only the
        /// connections an original-destination listener hands it (the proxy's per-VIP listeners).
        public var bindToPort: Bool
        /// Envoy's `use_original_dst`: each accepted connection is handed to the listener whose
        /// address and port are its original destination (`SO_ORIGINAL_DST`, after an iptables redirect).
        public var useOriginalDestination: Bool
        /// Envoy's `traffic_direction`.
        public var direction: TrafficDirection
        /// On the node proxy's `virtualOutbound` listener only: every mesh service with its names,
        /// VIPs and ports, which the proxy's capture rules and DNS table are made from (meshbox
        /// nodes read it; Envoy's translation leaves it out). Nil on every other listener.
        public var services: [MeshService]?

        public init(
            name: String, address: String, port: UInt32, protocol: ListenerProtocol, filterChains: [FilterChain],
            role: DataPlaneRole = .gateway, bindToPort: Bool = true, useOriginalDestination: Bool = false,
            direction: TrafficDirection = .unspecified, services: [MeshService]? = nil
        ) {
            self.name = name
            self.address = address
            self.port = port
            self.protocol = `protocol`
            self.filterChains = filterChains
            self.role = role
            self.bindToPort = bindToPort
            self.useOriginalDestination = useOriginalDestination
            self.direction = direction
            self.services = services
        }

        /// `0.0.0.0_8080`.
        public static func name(address: String, port: UInt32) -> String { "\(address)_\(port)" }
    }

    /// xDS `TrafficDirection`: whether a listener takes traffic to local workloads or from them.
    public enum TrafficDirection: String, Sendable, Hashable, Codable {
        case unspecified
        /// Traffic arriving for this node's workloads.
        case inbound
        /// Traffic leaving this node's workloads (the proxy's captured VIP traffic).
        case outbound
    }

    /// What a listener speaks towards its clients.
    public enum ListenerProtocol: String, Sendable, Hashable, Codable {
        /// Plain HTTP, routed by RDS.
        case http
        /// TLS terminated here, then HTTP routed by RDS.
        case https
        /// TLS terminated here, then proxied as TCP.
        case tls
        /// TLS not terminated: the SNI picks a cluster and the bytes pass through.
        case tlsPassthrough = "tls-passthrough"
        /// Opaque TCP proxied to a cluster.
        case tcp
    }

    /// One way to handle a connection of a listener (xDS `FilterChain`).
    public struct FilterChain: Sendable, Hashable, Codable {
        public var name: String
        /// SNI names this chain takes (`*.example.com` allowed); empty takes every connection.
        public var serverNames: [String]
        /// TLS terminated by this chain (DownstreamTlsContext); nil for plain text or passthrough.
        public var tls: ServerTLS?
        public var destination: Destination
        /// AuthorizationPolicies enforced on the chain's HTTP requests (Envoy's RBAC HTTP filters);
        /// nil when none applies.
        public var authorization: Authorization?
        /// RequestAuthentications checked on the chain's HTTP requests before authorization (Envoy's
        /// jwt_authn HTTP filter); nil when none applies.
        public var requestAuthentication: RequestAuthentication? = nil

        public init(
            name: String, serverNames: [String] = [], tls: ServerTLS? = nil, destination: Destination,
            authorization: Authorization? = nil
        ) {
            self.name = name
            self.serverNames = serverNames
            self.tls = tls
            self.destination = destination
            self.authorization = authorization
        }

        /// Where the chain's traffic goes.
        public enum Destination: Sendable, Hashable, Codable {
            /// HTTP connection manager with routes from the named RouteConfiguration (RDS).
            case http(routeConfigurationName: String)
            /// TCP proxy to weighted clusters (one entry of weight 100 for a single cluster).
            case tcp([WeightedCluster])
        }
    }

    /// TLS a listener terminates (xDS `DownstreamTlsContext`).
    public struct ServerTLS: Sendable, Hashable, Codable {
        public enum Mode: String, Sendable, Hashable, Codable {
            case simple
            /// Clients must present a certificate signed by `caSecretName`'s CA.
            case mutual
        }

        public var mode: Mode
        /// The SDS secret with the server certificate and key.
        public var certificateSecretName: String
        /// The SDS secret with the CA that verifies client certificates (mutual TLS).
        public var caSecretName: String?
        /// False for Istio's OPTIONAL_MUTUAL: a client certificate is verified if sent.
        public var requireClientCertificate: Bool
        public var minVersion: TLSVersion?
        public var maxVersion: TLSVersion?
        public var cipherSuites: [String]
        /// Client certificate SANs to accept (mutual TLS); empty accepts any the CA signed.
        public var subjectAltNames: [String]
        /// ALPN to offer: `h2`, `http/1.1` for HTTPS.
        public var alpnProtocols: [String]
        /// Client certificate pins (mutual TLS, Envoy's `verify_certificate_hash` and
        /// `verify_certificate_spki`): SHA-256 of the certificate's DER as lower-case hex without
        /// colons, and SHA-256 of its SubjectPublicKeyInfo as base64. With either set, a presented
        /// certificate must match one entry of either list.
        public var verifyCertificateHash: [String] = []
        public var verifyCertificateSpki: [String] = []

        public init(
            mode: Mode,
            certificateSecretName: String,
            caSecretName: String? = nil,
            requireClientCertificate: Bool = false,
            minVersion: TLSVersion? = nil,
            maxVersion: TLSVersion? = nil,
            cipherSuites: [String] = [],
            subjectAltNames: [String] = [],
            alpnProtocols: [String] = []
        ) {
            self.mode = mode
            self.certificateSecretName = certificateSecretName
            self.caSecretName = caSecretName
            self.requireClientCertificate = requireClientCertificate
            self.minVersion = minVersion
            self.maxVersion = maxVersion
            self.cipherSuites = cipherSuites
            self.subjectAltNames = subjectAltNames
            self.alpnProtocols = alpnProtocols
        }
    }

    /// xDS `TlsParameters.TlsProtocol`.
    public enum TLSVersion: String, Sendable, Hashable, Codable, Comparable {
        case v1_0 = "TLSv1_0"
        case v1_1 = "TLSv1_1"
        case v1_2 = "TLSv1_2"
        case v1_3 = "TLSv1_3"

        private var rank: Int {
            switch self {
            case .v1_0: 0
            case .v1_1: 1
            case .v1_2: 2
            case .v1_3: 3
            }
        }

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
    }

    /// A cluster and its share of traffic (xDS `WeightedCluster.ClusterWeight`).
    public struct WeightedCluster: Sendable, Hashable, Codable {
        public var name: String
        public var weight: UInt32
        /// Header changes applied only when this cluster is picked.
        public var headers: HeaderMutations

        public init(name: String, weight: UInt32, headers: HeaderMutations = HeaderMutations()) {
            self.name = name
            self.weight = weight
            self.headers = headers
        }
    }
}
