import Logging
import MeshAPI
import MeshDNS
import MeshModel
import MeshNet
import MeshProxy
import ServiceLifecycle

/// The proxy role's part of the process: the capture loop over the VIPs of the snapshots this
/// node serves, the DNS server answering mesh names from the same snapshots, and the status board
/// the console reads. The snapshots come from the compiler in this process or, on a remote node,
/// from the control plane over xDS (and its persisted copy while that is away): one way either
/// side. The listeners are the shared data plane's (`DataPlaneAssembly`). Built only when `proxy`
/// is named.
struct ProxyAssembly {
    let board: ProxyStatusBoard
    /// The DNS server, then the capture loop (which stops first: services stop in reverse).
    let services: [ServiceGroupConfiguration.ServiceConfiguration]

    static func make(
        _ configuration: ApplianceConfiguration, source: (any SnapshotSource)?,
        onReconciled: @escaping @Sendable () -> Void
    ) throws -> ProxyAssembly? {
        guard configuration.roles.contains(.proxy) else { return nil }
        guard let source else {
            throw ApplianceError(
                "the proxy role needs the config and registry roles in the same process, or a control plane to follow (--control-plane)")
        }
        let settings = configuration.proxy
        let logger = Logger(label: "meshbox.proxy")
        let capture = captureBackend(settings.capture, configuration: configuration, routes: settings.installRoutes)
        let board = ProxyStatusBoard(capture: settings.capture.rawValue)
        let dns = try dnsServer(settings, marked: capture != nil)
        let role = ProxyRole(
            snapshots: source.snapshots(for: .local(roles: [.proxy])), capture: capture, board: board,
            options: .init(removeRulesOnStop: settings.removeRulesOnStop), logger: logger, onReconciled: onReconciled,
            onServices: { snapshot, services in
                // The SOA serial: the config revision where the compiler runs; a remote node's
                // snapshots carry none, so there the node's own snapshot version, which grows too.
                let revision = snapshot.configRevision != 0 ? snapshot.configRevision : Int64(truncatingIfNeeded: snapshot.version)
                dns.map { $0.server.update(DNSTable(services: services, domain: $0.domain, revision: revision)) }
            })
        let dnsService = dns.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0.server, serviceName: "proxy-dns")] }
        return ProxyAssembly(board: board, services: (dnsService ?? []) + [.init(service: role, serviceName: "proxy")])
    }

    /// The DNS server of `proxy.dns`, nil when it is not enabled. With `marked`, its upstream
    /// sockets carry the capture mark, so a resolver on a VIP is not captured.
    static func dnsServer(_ settings: NodeProxySettings, marked: Bool) throws -> (server: DNSServer, domain: DNSName)? {
        guard settings.dns.enabled else { return nil }
        let dnsSettings: DNSSettings
        do {
            dnsSettings = try DNSSettings(
                host: settings.dns.listen, port: settings.dns.port, clusterDomain: settings.clusterDomain,
                upstreams: settings.dns.upstreams, upstreamSocketMark: marked ? settings.mark : nil)
        } catch {
            throw ApplianceError(error.description)
        }
        return (DNSServer(settings: dnsSettings, logger: Logger(label: "meshbox.proxy.dns")), dnsSettings.clusterDomain)
    }

    /// The backend for `capture` on this host (nil for `none`), with the configured ranges, port
    /// and mark; with `routes`, it keeps the VIP ranges' host routes too (`proxy.installRoutes`).
    static func captureBackend(
        _ capture: NodeProxySettings.Capture, configuration: ApplianceConfiguration, routes: Bool = false
    ) -> (any CaptureBackend)? {
        let rules = captureConfiguration(configuration)
        let backend: any CaptureBackend
        switch capture {
        case .iptables: backend = CaptureReconciler(configuration: rules, runner: SpawnCommandRunner())
        case .nftables: backend = NFTCaptureReconciler(configuration: rules, runner: SpawnCommandRunner())
        case .none: return nil
        }
        return routes ? RoutedCapture(backend, routes: vipRoutes(configuration)) : backend
    }

    /// The VIP ranges' host routes meshbox keeps (or, for `meshbox proxy uninstall`, removes).
    static func vipRoutes(_ configuration: ApplianceConfiguration) -> VIPRoutes {
        VIPRoutes(configuration: captureConfiguration(configuration), runner: SpawnCommandRunner())
    }

    private static func captureConfiguration(_ configuration: ApplianceConfiguration) -> CaptureConfiguration {
        configuration.proxy.captureConfiguration(
            serviceCIDR: configuration.serviceCIDR, serviceCIDRv6: configuration.serviceCIDRv6)
    }

    /// Hands the data plane's proxy listeners to the status board.
    static func listenersApplied(_ report: DataPlane.ApplyReport, snapshot: Snapshot, board: ProxyStatusBoard) {
        let names = Set(snapshot.listeners.filter { $0.role == .proxy }.map(\.name))
        board.setListeners(
            bound: report.bound.filter { names.contains($0.key) }, failed: report.failed.filter { names.contains($0.key) })
    }
}
