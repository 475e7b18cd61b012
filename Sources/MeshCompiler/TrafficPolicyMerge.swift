import MeshModel

/// The DestinationRule policy that applies to one cluster, merged per component the way Istio
/// does: subset port-level > subset > top-level port-level > top-level. A component that is set
/// replaces the whole component below it (no field-by-field merge), as in Istio.
struct EffectivePolicy: Hashable {
    var loadBalancer: DestinationRuleSpec.LoadBalancerSettings?
    var connectionPool: DestinationRuleSpec.ConnectionPoolSettings?
    var outlierDetection: DestinationRuleSpec.OutlierDetection?
    var tls: DestinationRuleSpec.ClientTLSSettings?

    init(rule: DestinationRuleSpec?, subset: DestinationRuleSpec.Subset?, port: UInt32) {
        apply(rule?.trafficPolicy, port: port)
        apply(subset?.trafficPolicy, port: port)
    }

    private mutating func apply(_ policy: DestinationRuleSpec.TrafficPolicy?, port: UInt32) {
        guard let policy else { return }
        loadBalancer = policy.loadBalancer ?? loadBalancer
        connectionPool = policy.connectionPool ?? connectionPool
        outlierDetection = policy.outlierDetection ?? outlierDetection
        tls = policy.tls ?? tls
        guard let level = policy.portLevelSettings.first(where: { $0.port?.number == port }) else { return }
        loadBalancer = level.loadBalancer ?? loadBalancer
        connectionPool = level.connectionPool ?? connectionPool
        outlierDetection = level.outlierDetection ?? outlierDetection
        tls = level.tls ?? tls
    }
}
