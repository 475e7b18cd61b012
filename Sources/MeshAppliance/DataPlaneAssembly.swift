import Logging
import MeshAPI
import MeshGateway
import MeshModel
import MeshNet
import NIOPosix
import ServiceLifecycle

/// The data plane of this process: one engine (event loops, upstream pools, connection budget)
/// that serves the listeners of every data-plane role named (gateway, proxy), fed by one
/// subscription to the snapshots scoped to those roles. Built only when such a role is named.
struct DataPlaneAssembly {
    let plane: DataPlane
    let eventLoops: MultiThreadedEventLoopGroup
    let service: ServiceGroupConfiguration.ServiceConfiguration

    /// - Parameter onApplied: after each snapshot is served, with the listeners of each role.
    static func make(
        _ configuration: ApplianceConfiguration, source: (any SnapshotSource)?, descriptors: DescriptorBudget,
        onApplied: @escaping @Sendable (DataPlane.ApplyReport, Snapshot) -> Void
    ) throws -> DataPlaneAssembly? {
        let roles = Set(configuration.roles.filter(\.isDataPlane).compactMap { DataPlaneRole(rawValue: $0.rawValue) })
        guard !roles.isEmpty else { return nil }
        guard let source else {
            let names = roles.sorted().map(\.rawValue).joined(separator: " and ")
            throw ApplianceError(
                "the \(names) role needs the config and registry roles in the same process, or a control plane to follow (--control-plane)")
        }
        let snapshots = RecordedSnapshots(source)
        let label = roles.contains(.gateway) ? "meshbox.gateway" : "meshbox.proxy"
        var settings = configuration.gateway.proxySettings(budget: descriptors)
        if roles.contains(.proxy), configuration.proxy.capture != .none {
            // The capture rules return marked packets: the proxy's own upstream connections (and
            // the gateway's, sharing the engine) are never redirected back into it.
            settings.upstreamMark = configuration.proxy.mark
        }
        let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: configuration.gateway.threads)
        let plane = DataPlane(
            group: eventLoops, settings: settings,
            accessLog: try configuration.gateway.accessLogTarget(), reporter: roles.contains(.gateway) ? "gateway" : "proxy",
            roles: roles, logger: Logger(label: label))
        // Named as the registry names this host, so the proxy gets the inbound workloads registered here.
        let node = DataPlaneNode.local(roles: roles, nodeName: configuration.nodeName)
        // GatewayRole is the loop over a node's snapshots; given both roles it serves both.
        let role = GatewayRole(dataPlane: plane, snapshots: snapshots, node: node, logger: Logger(label: label)) { report in
            onApplied(report, snapshots.current)
        }
        return DataPlaneAssembly(
            plane: plane, eventLoops: eventLoops, service: .init(service: role, serviceName: "data-plane"))
    }
}
