import MeshModel

extension SnapshotCompiler {
    /// What one data plane serves and how it binds.
    public struct Options: Sendable, Hashable {
        /// The Gateway resources this data plane implements.
        public var gateways: GatewaySelection
        /// The address every listener binds to.
        public var listenerAddress: String
        /// Added to every Gateway server port (e.g. 8000 to serve port 80 as 8080 without privileges).
        public var portOffset: Int?

        public init(gateways: GatewaySelection = .all, listenerAddress: String = "0.0.0.0", portOffset: Int? = nil) {
            self.gateways = gateways
            self.listenerAddress = listenerAddress
            self.portOffset = portOffset
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
