import Foundation
import Logging
import MeshAPI
import MeshCA
import MeshCompiler
import MeshCore
import MeshConsole
import MeshModel
import MeshNet
import MeshRegistry
import MeshRemote
import MeshStore
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import Synchronization
import UnixSignals
#if canImport(Glibc)
import Glibc
#endif

/// The composition root: builds the roles a configuration asks for, wires their contracts
/// together in-process, and runs them as one `ServiceGroup`.
///
/// Roles are constructed in dependency order (config, registry, …, console) — construction opens
/// their state (the SQLite files), so a role's dependencies are usable before any role runs.
/// SIGTERM/SIGINT shut the group down gracefully, in reverse order.
public struct Appliance: Sendable {
    public let configuration: ApplianceConfiguration

    public init(configuration: ApplianceConfiguration) {
        self.configuration = configuration
    }

    public func run() async throws {
        let metricsRegistry = Self.bootstrapObservability(configuration)
        let logger = Logger(label: "meshbox")
        let started = ContinuousClock.now
        // Before anything opens a descriptor: the gateway's and the console's connection limits come from it.
        let descriptors = DescriptorBudget.atStart(
            threads: configuration.gateway.threads, gatewayConnections: configuration.gateway.maxConnections,
            consoleConnections: configuration.console.maxConnections, logger: logger)

        if configuration.roles.contains(.console) {
            try configuration.console.checkListener(host: configuration.consoleHost, listen: configuration.consoleListen)
        }
        let dataDirectory = configuration.dataDirectory
        try Self.prepareDataDirectory(dataDirectory)
        try Self.restrictDataFiles(dataDirectory)
        let lock = try DataDirectoryLock(directory: dataDirectory)
        defer { lock.release() }
        SecretSpec.useRedactionKey(try Self.loadOrCreateRedactionKey(dataDirectory))

        // A remote node (--control-plane): refused roles and the join are checked before anything opens.
        let remote = try await RemoteNodeAssembly.make(configuration)
        let readiness = Readiness(pending: Set(configuration.roles))
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var store: ConfigStore?
        var registry: Registry?

        if configuration.roles.contains(.config) {
            let opened = try ConfigStore(
                path: dataDirectory + "/config.db",
                options: .init(
                    historyDepth: configuration.historyDepth,
                    synchronousFull: configuration.durability == .full,
                    vipRanges: configuration.vipRanges
                ),
                logger: Logger(label: "meshbox.config"))
            store = opened
            for file in configuration.applyFiles {
                try await Self.applyAtStart(file: file, store: opened)
            }
            services.append(.init(service: ConfigRole(store: opened), serviceName: "config"))
            services.append(
                .init(
                    service: SecretExpiryMonitor(
                        config: opened, clock: ContinuousClock(), logger: Logger(label: "meshbox.config")),
                    serviceName: "secret-expiry"))
            readiness.markReady(.config)
        }
        if configuration.roles.contains(.registry) {
            let opened = try await Registry(
                path: dataDirectory + "/registry.db", eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                options: .init(
                    nodeName: configuration.nodeName,
                    healthChecks: .init(denyCIDRs: configuration.registryHealthCheckDenyCIDRs)),
                logger: Logger(label: "meshbox.registry"))
            registry = opened
            let resolver = ServiceEntryResolver(
                settings: configuration.registryDNS.resolverSettings, logger: Logger(label: "meshbox.registry.dns"))
            services.append(
                .init(
                    service: RegistryRole(registry: opened, configUpdates: store?.watch(), resolver: resolver),
                    serviceName: "registry"))
            readiness.markReady(.registry)
        }
        // The compiler runs wherever both of its inputs do; it is what the data-plane roles consume.
        var publisher: SnapshotPublisher?
        if store != nil, registry != nil {
            let gateway = configuration.gateway
            let compiler = SnapshotPublisher(
                options: .init(
                    gateways: gateway.gateways.isEmpty ? .all : .named(gateway.gateways),
                    listenerAddress: gateway.listenAddress, portOffset: gateway.portOffset,
                    proxy: .init(
                        outboundAddress: configuration.proxy.outboundAddress(serviceCIDRv6: configuration.serviceCIDRv6),
                        outboundPort: UInt32(configuration.proxy.outboundPort)),
                    domain: configuration.proxy.clusterDomain, rootNamespace: configuration.rootNamespace))
            publisher = compiler
        }

        var authority: CertificateAuthority?
        if configuration.roles.contains(.ca) {
            let registryForIdentities = registry
            let plugged = configuration.caIntermediateCertificate.flatMap { certificate in
                configuration.caIntermediateKey.flatMap { key in
                    configuration.caIntermediateChain.map { chain in
                        CertificateAuthority.Options.PluggedIntermediate(certificatePath: certificate, keyPath: key, chainPath: chain)
                    }
                }
            }
            let opened: CertificateAuthority
            do {
                opened = try CertificateAuthority(
                    directory: dataDirectory + "/ca", trustDomain: configuration.trustDomain,
                    options: .init(
                        rootTTL: configuration.caRootTTL, defaultLeafTTL: configuration.caLeafTTL,
                        maxLeafTTL: configuration.caMaxLeafTTL, pluggedIntermediate: plugged,
                        reservedNodeNames: [configuration.nodeName]),
                    workloadIdentities: { node in
                        await Self.workloadIdentities(on: node, registry: registryForIdentities, trustDomain: configuration.trustDomain)
                    },
                    logger: Logger(label: "meshbox.ca"))
            } catch let error as MeshError {
                throw ApplianceError("ca: \(error.description)")
            }
            authority = opened
            services.append(.init(service: CARole(authority: opened), serviceName: "ca"))
            readiness.markReady(.ca)
        }
        // The gateway's mesh identity from the co-located CA enters the compiler as input (CA material).
        var identity: GatewayIdentity?
        if let authority, let store, publisher != nil, configuration.roles.contains(.gateway) {
            let made = try Self.gatewayIdentity(configuration.gateway, authority: authority, configUpdates: store.watch())
            await made.prepare()
            identity = made
            services.append(.init(service: made, serviceName: "gateway-identity"))
        }
        if let publisher, let store, let registry {
            // RequestAuthentication jwksUri key sets, fetched here and inlined into snapshots.
            let fetcher = HTTPDocumentFetcher()
            let jwks = JWKSFetcher(
                configUpdates: store.watch(), refreshInterval: configuration.jwksRefreshInterval,
                logger: Logger(label: "meshbox.jwks"), fetch: { try await fetcher.get($0, timeout: $1) })
            services.append(.init(service: jwks, serviceName: "jwks"))
            services.append(
                .init(
                    service: CompilerRole(
                        publisher: publisher, configUpdates: store.watch(), registryUpdates: registry.watch(),
                        caUpdates: identity?.material.updates(), jwksUpdates: jwks.documents()),
                    serviceName: "compiler"))
        }
        // One data plane for the gateway and proxy roles; the proxy's capture loop stops first
        // (services stop in reverse), so no connection is redirected to a closed listener.
        let proxy = try ProxyAssembly.make(configuration, source: remote?.client ?? publisher) { readiness.markReady(.proxy) }
        if let remote { services.append(remote.service) }
        let data = try DataPlaneAssembly.make(configuration, source: remote?.client ?? publisher, descriptors: descriptors) { report, snapshot in
            readiness.markReady(.gateway)
            if let board = proxy?.board { ProxyAssembly.listenersApplied(report, snapshot: snapshot, board: board) }
        }
        let dataPlaneGroup = data?.eventLoops
        let dataPlane = data?.plane
        if let data { services.append(data.service) }
        if let proxy { services += proxy.services }
        let xds = try await XDSAssembly.make(configuration, authority: authority, publisher: publisher)
        if let xds { services.append(xds.service) }
        if configuration.roles.contains(.console) {
            if let webRoot = configuration.consoleWebRoot {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: webRoot + "/index.html", isDirectory: &isDirectory), !isDirectory.boolValue else {
                    throw ApplianceError("console.webRoot (--web-root) \(webRoot): no index.html there")
                }
            }
            let token = try AdminToken.loadOrCreate(dataDirectory: dataDirectory)
            let roles = configuration.roles.map(\.rawValue)
            let storeForStatus: (any ConfigAPI)? = store
            let consoleCertificate = try await Self.consoleCertificate(configuration, authority: authority)
            if let consoleCertificate { services.append(.init(service: consoleCertificate, serviceName: "console-certificate")) }
            let consoleConfiguration = try configuration.console.consoleConfiguration(
                base: .init(
                    host: configuration.consoleHost, port: configuration.consolePort, webRoot: configuration.consoleWebRoot,
                    sessionTTL: configuration.consoleSessionTTL, sessionIdleTimeout: configuration.consoleSessionIdleTimeout),
                meshCATLS: consoleCertificate?.tls,
                connectionBudget: descriptors.consoleConnections)
            let console = AdminConsole(
                configuration: consoleConfiguration,
                config: store, registry: registry, ca: authority, snapshots: publisher, explainer: RouteExplainer(rootNamespace: configuration.rootNamespace), trafficStats: dataPlane, proxyStatus: proxy?.board, xdsStatus: xds?.nodes, token: token,
                metricsText: { metricsRegistry.emitToString() },
                status: {
                    let uptime = (ContinuousClock.now - started).seconds
                    let revision = try? await storeForStatus?.currentRevision()
                    return ConsoleStatus(version: MeshboxVersion.current, roles: roles, uptimeSeconds: uptime, configRevision: revision)
                },
                isReady: { readiness.isReady },
                onListening: { port in
                    let url = Self.consoleURL(host: configuration.consoleHost, port: port, tls: configuration.console.usesTLS)
                    Self.writeAtomically(url + "\n", to: dataDirectory + "/console.url")
                    Self.printBanner(configuration: configuration, url: url, tokenPath: token.path)
                    readiness.markReady(.console)
                },
                logger: Logger(label: "meshbox.console"))
            services.append(.init(service: console, serviceName: "console"))
        } else {
            Self.printBanner(configuration: configuration, url: nil, tokenPath: nil)
        }
        services.append(
            .init(
                service: SystemdNotifier(logger: Logger(label: "meshbox.systemd")) { await readiness.waitUntilReady() },
                serviceName: "systemd-notify"))

        logger.info(
            "Starting roles",
            metadata: ["roles": "\(configuration.roles.map(\.rawValue).joined(separator: ","))", "data.dir": "\(dataDirectory)"])
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        defer { try? FileManager.default.removeItem(atPath: dataDirectory + "/console.url") }
        do {
            try await group.run()
        } catch {
            try? await dataPlaneGroup?.shutdownGracefully()
            throw error
        }
        try? await dataPlaneGroup?.shutdownGracefully()
        logger.info("Stopped")
    }

    // MARK: set-up helpers

    /// `serve --apply FILE`: resources applied (validated, in one transaction) before any role starts,
    /// so a gateway that comes up serves them from its first snapshot.
    static func applyAtStart(file: String, store: ConfigStore) async throws {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ApplianceError("--apply \(file): cannot read: \(error.localizedDescription)")
        }
        do {
            _ = try await store.apply(try ResourceDecoder.decode(text), dryRun: false)
        } catch {
            throw ApplianceError("--apply \(file): \(error)")
        }
    }

    static func gatewayIdentity(
        _ settings: GatewaySettings, authority: CertificateAuthority, configUpdates: AsyncStream<ConfigState>
    ) throws -> GatewayIdentity {
        do {
            return try GatewayIdentity(
                authority: authority,
                options: .init(
                    namespace: settings.identityNamespace, serviceAccount: settings.identityServiceAccount,
                    ttl: settings.identityTTL),
                configUpdates: configUpdates, logger: Logger(label: "meshbox.gateway.identity"))
        } catch let error as MeshError {
            throw ApplianceError("gateway.identity: \(error.description)")
        }
    }

    /// The SPIFFE identities of the workloads registered on a node, which that node may request
    /// certificates for (`NodeAuthorization.workloadIdentities`).
    static func workloadIdentities(on node: String, registry: Registry?, trustDomain: String) async -> Set<String> {
        guard let registry, let instances = try? await registry.instances(service: nil, namespace: nil) else { return [] }
        return NodeAuthorization.workloadIdentities(of: instances, on: node, trustDomain: trustDomain)
    }

    /// Logging and metrics are process-wide; bootstrap them once, before any role is built.
    static func bootstrapObservability(_ configuration: ApplianceConfiguration) -> PrometheusCollectorRegistry {
        let level = Logger.Level(rawValue: configuration.logLevel.rawValue) ?? .info
        LoggingSystem.bootstrap { label in
            switch configuration.logFormat {
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    static func prepareDataDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ApplianceError("data dir \(path): exists and is not a directory") }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw ApplianceError("data dir \(path): cannot create: \(error.localizedDescription)")
            }
        }
        guard access(path, W_OK) == 0 else { throw ApplianceError("data dir \(path): not writable by this user") }
    }

    static func consoleURL(host: String, port: Int, tls: Bool = false) -> String {
        let shown = host == "0.0.0.0" ? "127.0.0.1" : (host == "::" ? "::1" : host)
        let scheme = tls ? "https" : "http"
        return shown.contains(":") ? "\(scheme)://[\(shown)]:\(port)" : "\(scheme)://\(shown):\(port)"
    }

    static func writeAtomically(_ text: String, to path: String) {
        try? PrivateFile.write(text, to: path)
    }

    static func printBanner(configuration: ApplianceConfiguration, url: String?, tokenPath: String?) {
        var lines = ["meshbox \(MeshboxVersion.current): roles \(configuration.roles.map(\.rawValue).joined(separator: ", "))"]
        lines.append("  data dir:    \(configuration.dataDirectory)")
        if let url, let tokenPath {
            lines.append("  console:     \(url)/")
            lines.append("  admin API:   \(url)/api/v1  (Authorization: Bearer <token>)")
            lines.append("  admin token: \(tokenPath)  (log in with its contents; the CLI reads it from there)")
            lines.append("  try:         meshbox apply -f etc/examples && meshbox get all -A")
        }
        print(lines.joined(separator: "\n"))
        fflush(nil)
    }
}

/// Which roles have reported ready; `READY=1` and `/readyz` wait for all of them.
final class Readiness: Sendable {
    private let state: Mutex<(pending: Set<MeshRole>, waiters: [CheckedContinuation<Void, Never>])>

    init(pending: Set<MeshRole>) {
        state = Mutex((pending, []))
    }

    var isReady: Bool { state.withLock { $0.pending.isEmpty } }

    func markReady(_ role: MeshRole) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.pending.remove(role)
            guard state.pending.isEmpty else { return [] }
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func waitUntilReady() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.pending.isEmpty { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}

/// An exclusive `flock` on `<data-dir>/lock`: two meshbox processes must not share a data dir.
final class DataDirectoryLock: Sendable {
    private let descriptor: Int32

    init(directory: String) throws {
        let path = directory + "/lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ApplianceError("data dir \(directory): cannot open lock file: errno \(errno)") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw ApplianceError("data dir \(directory): another meshbox process is using it")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
