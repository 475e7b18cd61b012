public import Foundation
public import Logging
public import MeshAPI
public import MeshCore
public import ServiceLifecycle

/// The mesh identity of a gateway that runs in the same process as the ca role, as compiler input.
///
/// Holds the gateway's workload certificate (`spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`,
/// Istio's ingress gateway identity by default) and the certificates of Gateway servers with
/// `credentialName: meshbox-ca`; keys are made here and never leave the process (the CA signs a
/// CSR). Each is renewed at half its lifetime with jitter (`RenewalSchedule`, counted from when it
/// arrived, so a short TTL does not fall inside the CA's one-minute back-dating); a failed renewal is
/// retried after `Options.retry` while the old certificate stays. Every change, the CA's trust bundle
/// included (a root rotation and the end of its overlap), is published on `material` for the compiler.
///
/// ```swift
/// let identity = GatewayIdentity(authority: ca, configUpdates: store.watch())
/// await identity.prepare()                          // first certificate before the first snapshot
/// CompilerRole(publisher: p, configUpdates: …, registryUpdates: …, caUpdates: identity.material.updates())
/// ```
public actor GatewayIdentity: Service {
    public struct Options: Sendable {
        /// Namespace and service account of the gateway's SPIFFE ID.
        public var namespace: String
        public var serviceAccount: String
        /// Lifetime asked for; nil takes the CA's default leaf TTL.
        public var ttl: Duration?
        public var schedule: RenewalSchedule
        /// Wait before trying again after a failed issuance.
        public var retry: Duration
        /// How often the renewal loop looks at the due dates.
        public var tick: Duration

        /// Istio's ingress gateway identity, so Istio's AuthorizationPolicy examples apply unchanged.
        public static let defaultNamespace = "istio-system"
        public static let defaultServiceAccount = "istio-ingressgateway-service-account"

        public init(
            namespace: String = defaultNamespace, serviceAccount: String = defaultServiceAccount, ttl: Duration? = nil,
            schedule: RenewalSchedule = .init(), retry: Duration = .seconds(5), tick: Duration = .seconds(1)
        ) {
            self.namespace = namespace
            self.serviceAccount = serviceAccount
            self.ttl = ttl
            self.schedule = schedule
            self.retry = retry
            self.tick = tick
        }
    }

    struct Held {
        var credential: MeshCAMaterial.Credential
        var renewAt: Date
    }

    /// The newest material; nil until `prepare()` ran.
    public nonisolated let material: Watch<MeshCAMaterial?>
    public nonisolated let spiffeID: SPIFFEID

    private let authority: CertificateAuthority
    private let options: Options
    private let configUpdates: AsyncStream<ConfigState>?
    private let now: @Sendable () -> Date
    private let random: @Sendable () -> Double
    private let sleep: @Sendable (Duration) async throws -> Void
    private let logger: Logger

    private var bundlePEM = ""
    private var workload: Held?
    private var workloadRetryAt: Date?
    /// Server certificates by host key, and the DNS names each key stands for.
    private var servers: [String: Held] = [:]
    private var wanted: [String: [String]] = [:]
    private var serverRetryAt: [String: Date] = [:]
    private var reconciling = false
    private var dirty = false

    /// - Throws: `MeshError(.invalidArgument)` for a namespace or service account that is not a SPIFFE path segment.
    public init(
        authority: CertificateAuthority, options: Options = .init(), configUpdates: AsyncStream<ConfigState>? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "meshbox.gateway.identity")
    ) throws {
        guard SPIFFEID.isSegment(options.namespace), SPIFFEID.isSegment(options.serviceAccount) else {
            throw MeshError(
                .invalidArgument,
                "gateway identity: namespace '\(options.namespace)' and service account '\(options.serviceAccount)' must be letters, digits, '.', '-' or '_'"
            )
        }
        self.authority = authority
        self.options = options
        self.configUpdates = configUpdates
        self.now = now
        self.random = random
        self.sleep = { try await Self.sleep(on: clock, for: $0) }
        self.logger = logger
        self.spiffeID = SPIFFEID(
            trustDomain: authority.trustDomain, namespace: options.namespace, serviceAccount: options.serviceAccount)
        self.material = Watch(nil)
    }

    private static func sleep<C: Clock<Duration>>(on clock: C, for duration: Duration) async throws {
        try await clock.sleep(for: duration)
    }

    /// Issues the workload certificate and publishes the first material (with `workload` nil and a
    /// logged reason if the CA refused), so the first snapshot already carries it.
    public func prepare() async {
        bundlePEM = authority.trustBundleUpdates.current
        await reconcile()
    }

    /// When the workload certificate is next renewed (nil: none held).
    public var nextWorkloadRenewal: Date? { workload?.renewAt }

    /// Asks for server certificates for the Gateway servers of `config` with `credentialName: meshbox-ca`
    /// (those whose hosts the CA will sign), drops the ones no server asks for any more, and issues
    /// what is missing.
    public func want(_ config: ConfigState) async {
        var next: [String: [String]] = [:]
        for request in MeshCAMaterial.serverCertificateRequests(in: config) where request.refusal == nil {
            next[MeshCAMaterial.hostKey(request.dnsNames)] = Array(Set(request.dnsNames)).sorted()
        }
        guard next != wanted else { return }
        wanted = next
        await reconcile()
    }

    /// Issues what is missing and renews what is due, then publishes the material if it changed.
    /// Concurrent calls coalesce into one pass that runs again while something changed meanwhile.
    public func reconcile() async {
        if reconciling {
            dirty = true
            return
        }
        reconciling = true
        defer { reconciling = false }
        repeat {
            dirty = false
            await reconcileOnce()
        } while dirty
    }

    private func reconcileOnce() async {
        let moment = now()
        if workload.map({ moment >= $0.renewAt }) ?? true, workloadRetryAt.map({ moment >= $0 }) ?? true {
            do {
                workload = try await issueWorkload()
                workloadRetryAt = nil
            } catch {
                workloadRetryAt = now().addingTimeInterval(options.retry.seconds)
                logger.warning(
                    "Cannot issue the gateway's workload certificate",
                    metadata: ["ca.spiffe_id": "\(spiffeID)", "error.message": "\(error)"])
            }
        }
        // Re-read after the await: `want` may have changed the wanted set meanwhile.
        for key in servers.keys where wanted[key] == nil {
            servers[key] = nil
            serverRetryAt[key] = nil
        }
        for (key, names) in wanted.sorted(by: { $0.key < $1.key }) {
            let moment = now()
            guard servers[key].map({ moment >= $0.renewAt }) ?? true, serverRetryAt[key].map({ moment >= $0 }) ?? true
            else { continue }
            do {
                let held = try await issueServer(dnsNames: names)
                if wanted[key] != nil { servers[key] = held }
                serverRetryAt[key] = nil
            } catch {
                serverRetryAt[key] = now().addingTimeInterval(options.retry.seconds)
                logger.warning(
                    "Cannot issue a gateway server certificate from the mesh CA",
                    metadata: ["tls.hosts": "\(key)", "error.message": "\(error)"])
            }
        }
        publish()
    }

    private func issueWorkload() async throws -> Held {
        let (csr, key) = try CSRBuilder.make(spiffeID: spiffeID.description)
        let issued = try await authority.sign(csrPEM: csr, ttl: options.ttl, requester: .admin)
        logger.info(
            "Issued the gateway's workload certificate",
            metadata: ["ca.spiffe_id": "\(spiffeID)", "ca.serial": "\(issued.serialNumber)", "ca.not_after": "\(issued.notAfter)"])
        return held(issued, key: key)
    }

    private func issueServer(dnsNames: [String]) async throws -> Held {
        let (csr, key) = try CSRBuilder.make(dnsNames: dnsNames)
        let issued = try await authority.signServerCertificate(csrPEM: csr, dnsNames: dnsNames, ttl: options.ttl)
        logger.info(
            "Issued a gateway server certificate from the mesh CA",
            metadata: ["tls.hosts": "\(dnsNames.joined(separator: ","))", "ca.serial": "\(issued.serialNumber)"])
        return held(issued, key: key)
    }

    private func held(_ issued: IssuedCertificate, key: String) -> Held {
        let leaf = issued.certificatePEM.hasSuffix("\n") ? issued.certificatePEM : issued.certificatePEM + "\n"
        let chain = leaf + issued.chainPEM
        let credential = MeshCAMaterial.Credential(
            certificateChainPEM: chain, privateKeyPEM: key, serialNumber: issued.serialNumber,
            notBefore: issued.notBefore, notAfter: issued.notAfter)
        // Counted from arrival: the CA back-dates notBefore by a minute for clock skew.
        let renewAt = options.schedule.renewalDate(
            notBefore: max(issued.notBefore, now()), notAfter: issued.notAfter, unitRandom: random())
        return Held(credential: credential, renewAt: renewAt)
    }

    private func publish() {
        let next = MeshCAMaterial(
            trustDomain: spiffeID.trustDomain, trustBundlePEM: bundlePEM, workloadSPIFFEID: spiffeID.description,
            workload: workload?.credential, serverCertificates: servers.mapValues(\.credential))
        if material.current != next { material.send(next) }
    }

    func bundleChanged(_ pem: String) {
        guard pem != bundlePEM else { return }
        bundlePEM = pem
        logger.info("Trust bundle changed", metadata: ["ca.trust_domain": "\(spiffeID.trustDomain)"])
        publish()
    }

    /// Follows config and trust-bundle changes and renews on schedule until graceful shutdown.
    public func run() async throws {
        if material.current == nil { await prepare() }
        let config = configUpdates
        let bundles = authority.trustBundleUpdates.updates()
        let tick = options.tick
        let sleep = self.sleep
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                if let config {
                    group.addTask { for await state in config { await self.want(state) } }
                }
                group.addTask { for await pem in bundles { await self.bundleChanged(pem) } }
                group.addTask {
                    while !Task.isCancelled {
                        do { try await sleep(tick) } catch { return }
                        await self.reconcile()
                    }
                }
            }
        }
        material.finish()
    }
}
