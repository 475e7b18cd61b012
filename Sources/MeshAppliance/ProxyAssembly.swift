import Logging
import MeshModel
import MeshNet
import MeshProxy
import MeshRegistry
import MeshStore
import ServiceLifecycle

/// The proxy role's part of the process: the capture loop over the config store's VIPs, the DNS
/// server answering mesh names from the same config states, and the status board the console
/// reads. The listeners are the shared data plane's (`DataPlaneAssembly`). Built only when
/// `proxy` is named.
struct ProxyAssembly {
    let board: ProxyStatusBoard
    /// The DNS server, then the capture loop (which stops first: services stop in reverse).
    let services: [ServiceGroupConfiguration.ServiceConfiguration]

    static func make(
        _ configuration: ApplianceConfiguration, store: ConfigStore?, registry: Registry?,
        onReconciled: @escaping @Sendable () -> Void
    ) throws -> ProxyAssembly? {
        guard configuration.roles.contains(.proxy) else { return nil }
        guard let store else {
            throw ApplianceError(
                "the proxy role needs the config role in the same process (remote config over xDS is not built yet)")
        }
        let settings = configuration.proxy
        let logger = Logger(label: "meshbox.proxy")
        let capture = captureBackend(settings.capture, configuration: configuration)
        let board = ProxyStatusBoard(capture: settings.capture.rawValue)
        let dnsSettings: DNSSettings
        do {
            // Its upstream sockets carry the mark too, so a resolver on a VIP is not captured.
            dnsSettings = try DNSSettings(
                clusterDomain: settings.clusterDomain, upstreamSocketMark: capture == nil ? nil : settings.mark)
        } catch {
            throw ApplianceError(error.description)
        }
        let dns = DNSServer(settings: dnsSettings, logger: Logger(label: "meshbox.proxy.dns"))
        let role = ProxyRole(
            configUpdates: store.watch(), registryUpdates: registry?.watch(), capture: capture, board: board,
            options: .init(removeRulesOnStop: settings.removeRulesOnStop), logger: logger, onReconciled: onReconciled,
            onConfig: { dns.update(DNSTable(config: $0, domain: dnsSettings.clusterDomain)) })
        return ProxyAssembly(
            board: board,
            services: [.init(service: dns, serviceName: "proxy-dns"), .init(service: role, serviceName: "proxy")])
    }

    /// The backend for `capture` on this host (nil for `none`), with the configured ranges, port and mark.
    static func captureBackend(
        _ capture: NodeProxySettings.Capture, configuration: ApplianceConfiguration
    ) -> (any CaptureBackend)? {
        let rules = configuration.proxy.captureConfiguration(
            serviceCIDR: configuration.serviceCIDR, serviceCIDRv6: configuration.serviceCIDRv6)
        switch capture {
        case .iptables: return CaptureReconciler(configuration: rules, runner: SpawnCommandRunner())
        case .nftables: return NFTCaptureReconciler(configuration: rules, runner: SpawnCommandRunner())
        case .none: return nil
        }
    }

    /// Hands the data plane's proxy listeners to the status board.
    static func listenersApplied(_ report: DataPlane.ApplyReport, snapshot: Snapshot, board: ProxyStatusBoard) {
        let names = Set(snapshot.listeners.filter { $0.role == .proxy }.map(\.name))
        board.setListeners(
            bound: report.bound.filter { names.contains($0.key) }, failed: report.failed.filter { names.contains($0.key) })
    }
}
