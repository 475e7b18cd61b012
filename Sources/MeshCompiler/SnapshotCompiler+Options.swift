public import MeshModel

extension SnapshotCompiler {
    /// What one data plane serves and how it binds.
    public struct Options: Sendable, Hashable {
        /// The Gateway resources this data plane implements.
        public var gateways: GatewaySelection
        /// The address every listener binds to.
        public var listenerAddress: String
        /// Added to every Gateway server port (e.g. 8000 to serve port 80 as 8080 without privileges).
        public var portOffset: Int?
        /// The node proxy's listeners (role `proxy`: nodes without that role never get them).
        public var proxy: ProxyListeners
        /// The DNS domain of Services (`reviews.default.svc.<domain>`): the names the node proxy
        /// routes by (and the proxy's DNS answers).
        public var domain: String
        /// Istio's root namespace: an AuthorizationPolicy here applies to every workload its
        /// selector matches, in any namespace (`istio-system` by default, as in Istio).
        public var rootNamespace: String

        public init(
            gateways: GatewaySelection = .all, listenerAddress: String = "0.0.0.0", portOffset: Int? = nil,
            proxy: ProxyListeners = ProxyListeners(), domain: String = "cluster.local",
            rootNamespace: String = ObjectMeta.defaultRootNamespace
        ) {
            self.gateways = gateways
            self.listenerAddress = listenerAddress
            self.portOffset = portOffset
            self.proxy = proxy
            self.domain = domain
            self.rootNamespace = rootNamespace
        }
    }

    /// Where the node proxy takes captured connections (Istio's `virtualOutbound` on 15001).
    public struct ProxyListeners: Sendable, Hashable {
        /// The address of the `virtualOutbound` listener, which the capture rules redirect to.
        public var outboundAddress: String
        public var outboundPort: UInt32

        public init(outboundAddress: String = "0.0.0.0", outboundPort: UInt32 = 15001) {
            self.outboundAddress = outboundAddress
            self.outboundPort = outboundPort
        }
    }

    /// Which Gateway resources a data plane serves.
    public enum GatewaySelection: Sendable, Hashable {
        case all
        /// By name: `namespace/name`, or `name` in the default namespace.
        case named([String])
        /// The Gateways whose `selector` matches these workload labels (Istio's way).
        case workloadLabels([String: String])

        func selects(_ key: ResourceKey, _ spec: GatewaySpec) -> Bool {
            switch self {
            case .all:
                return true
            case .named(let names):
                return names.contains { name in
                    let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
                    if parts.count == 2 { return parts[0] == key.namespace && parts[1] == key.name }
                    return key.namespace == ObjectMeta.defaultNamespace && name == key.name
                }
            case .workloadLabels(let labels):
                return WorkloadSelector(matchLabels: spec.selector).matches(labels)
            }
        }
    }
}
