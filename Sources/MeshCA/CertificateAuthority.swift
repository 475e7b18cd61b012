public import Foundation
import GRDB
public import Logging
public import MeshAPI
public import MeshCore
import X509

/// The ca role: a self-made root (or an operator's plugged-in intermediate) that signs CSRs into
/// short-lived SPIFFE certificates, hands out the trust bundle, spends join tokens and rotates
/// its root with an overlap.
///
/// State lives in `<directory>`: `ca.db` (roots and their status, the issued log, hashed join
/// tokens) and the root keys as PKCS#8 PEM files created with mode 0600. The injected `now` is
/// the only time source. Keys are never logged or served.
public actor CertificateAuthority: CertificateAuthorityAPI {
    public struct Options: Sendable {
        /// A certificate the operator provides to sign leaves instead of a self-made root.
        public struct PluggedIntermediate: Sendable, Hashable {
            /// The intermediate CA certificate (PEM).
            public var certificatePath: String
            /// Its private key (PEM, PKCS#8 or SEC1).
            public var keyPath: String
            /// The chain above it, up to and including the root(s) (PEM).
            public var chainPath: String
            public init(certificatePath: String, keyPath: String, chainPath: String) {
                self.certificatePath = certificatePath
                self.keyPath = keyPath
                self.chainPath = chainPath
            }
        }

        public var rootTTL: Duration
        public var defaultLeafTTL: Duration
        public var maxLeafTTL: Duration
        /// The longest a join token may live.
        public var maxJoinTokenTTL: Duration
        /// How many issued certificates the log keeps.
        public var issuedLogSize: Int
        public var pluggedIntermediate: PluggedIntermediate?
        /// Node names no join token may be made for or used with: the control plane's own node.
        public var reservedNodeNames: Set<String>

        public init(
            rootTTL: Duration = .seconds(10 * 365 * 86_400), defaultLeafTTL: Duration = .seconds(24 * 3600),
            maxLeafTTL: Duration = .seconds(7 * 86_400), maxJoinTokenTTL: Duration = .seconds(7 * 86_400),
            issuedLogSize: Int = 500, pluggedIntermediate: PluggedIntermediate? = nil, reservedNodeNames: Set<String> = []
        ) {
            self.rootTTL = rootTTL
            self.defaultLeafTTL = defaultLeafTTL
            self.maxLeafTTL = maxLeafTTL
            self.maxJoinTokenTTL = maxJoinTokenTTL
            self.issuedLogSize = issuedLogSize
            self.pluggedIntermediate = pluggedIntermediate
            self.reservedNodeNames = reservedNodeNames
        }
    }

    /// What signs leaves now.
    struct Signer: Sendable {
        var certificate: Certificate
        var key: Certificate.PrivateKey
        /// The root generation, nil for a plugged intermediate.
        var generation: Int?
    }

    /// A self-made root and its bookkeeping.
    struct Root: Sendable {
        var row: RootRow
        var certificate: Certificate
        var crossSigned: Certificate?
    }

    /// The roots and chain of a plugged-in intermediate.
    struct Plugged: Sendable {
        /// The signing intermediate first, then the ones above it, excluding roots.
        var chain: [Certificate]
        var roots: [Certificate]
    }

    public nonisolated let trustDomain: String
    let directory: String
    let options: Options
    let now: @Sendable () -> Date
    let workloadIdentities: @Sendable (_ nodeName: String) async -> Set<String>
    let logger: Logger
    let pool: DatabasePool
    let metrics: CAMetrics

    var signer: Signer
    var roots: [Root]
    let plugged: Plugged?
    var rotating = false
    var closed = false
    /// How many expiry checks ran (for tests and diagnostics).
    var expiryChecks = 0
    /// The trust bundle (concatenated PEM of every trusted root), current value first, then each
    /// change: a root rotation adds the new root, the end of its overlap drops the old one.
    public nonisolated let trustBundleUpdates: Watch<String>

    /// Opens the CA in `directory`, creating the root on first start.
    ///
    /// - Throws: `MeshError` `.invalidArgument` for a bad trust domain or options,
    ///   `.configuration` for an unusable plugged-in CA (naming the file), `.io` for the files.
    public init(
        directory: String, trustDomain: String, options: Options = .init(),
        now: @escaping @Sendable () -> Date = { Date() },
        workloadIdentities: @escaping @Sendable (_ nodeName: String) async -> Set<String> = { _ in [] },
        logger: Logger = Logger(label: "meshbox.ca")
    ) throws {
        guard SPIFFEID.isTrustDomain(trustDomain) else {
            throw MeshError(.invalidArgument, "invalid trust domain \(trustDomain)")
        }
        guard options.defaultLeafTTL > .zero, options.maxLeafTTL >= options.defaultLeafTTL, options.rootTTL > options.maxLeafTTL
        else {
            throw MeshError(.invalidArgument, "CA TTLs must satisfy 0 < defaultLeafTTL <= maxLeafTTL < rootTTL")
        }
        self.directory = directory
        self.trustDomain = trustDomain
        self.options = options
        self.now = now
        self.workloadIdentities = workloadIdentities
        self.logger = logger
        self.metrics = CAMetrics()
        try CAKeyFile.makeDirectory(directory)
        let database: DatabasePool
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            configuration.label = "meshbox.ca"
            try PrivateFile.prepareDatabase(directory + "/ca.db")
            database = try DatabasePool(path: directory + "/ca.db", configuration: configuration)
            // GRDB turns WAL on with synchronous=NORMAL, where a power cut can undo the last
            // commits: a spent join token would come back. FULL syncs every commit; the CA writes
            // rarely. Only the writer connection writes, so setting it there is enough.
            try database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try CADatabase.migrator().migrate(database)
        } catch {
            throw MeshError(.io, "cannot open the CA database in \(directory)", cause: error)
        }
        self.pool = database
        if let plug = options.pluggedIntermediate {
            let (signer, plugged) = try Self.loadPlugged(plug, now: now())
            self.signer = signer
            self.plugged = plugged
            self.roots = []
            self.trustBundleUpdates = Watch(plugged.roots.pem)
        } else {
            let (signer, roots) = try Self.loadOrCreateRoot(
                directory: directory, trustDomain: trustDomain, rootTTL: options.rootTTL, pool: database, now: now(),
                logger: logger)
            self.signer = signer
            self.roots = roots
            self.plugged = nil
            self.trustBundleUpdates = Watch(roots.filter { $0.row.status != .dropped }.map(\.certificate).pem)
        }
        let signerSerial = self.signer.certificate.serialHex
        logger.info(
            "Opened certificate authority",
            metadata: [
                "ca.trust_domain": "\(trustDomain)",
                "ca.mode": "\(options.pluggedIntermediate == nil ? "self-signed" : "plugged-intermediate")",
                "ca.signer_serial": "\(signerSerial)",
            ])
    }

    // MARK: - Bundle and status

    public func trustBundlePEM() async -> String {
        await bundleRoots().pem
    }

    public func status() async -> CertificateAuthorityStatus {
        let bundle = await bundleRoots()
        let issued = (try? await pool.read { [limit = options.issuedLogSize] db in
            try CADatabase.issued(db, limit: limit)
        }) ?? []
        let records = issued.map {
            IssuedCertificateRecord(
                spiffeID: $0.spiffeID, serialNumber: $0.serial, notAfter: $0.notAfter, issuedAt: $0.issuedAt,
                requester: $0.requester)
        }
        if let plugged {
            return CertificateAuthorityStatus(
                trustDomain: trustDomain, mode: .pluggedIntermediate,
                roots: plugged.roots.map { $0.summary(state: .external) },
                intermediates: plugged.chain.enumerated().map { $0.element.summary(state: $0.offset == 0 ? .active : .external) },
                issued: records)
        }
        let summaries = roots.filter { root in bundle.contains(root.certificate) }.map {
            $0.certificate.summary(state: $0.row.status == .active ? .active : .retiring)
        }
        return CertificateAuthorityStatus(
            trustDomain: trustDomain, mode: .selfSigned, roots: summaries,
            intermediates: chain(bundle: bundle).map { $0.summary(state: .active) }, issued: records)
    }

    public var isClosed: Bool { closed }

    /// Stops using the database. Later calls that write fail with `.unavailable`.
    public func close() async {
        guard !closed else { return }
        closed = true
        do {
            try pool.close()
        } catch {
            logger.debug("CA database close deferred to release", metadata: ["error.type": "\(type(of: error))"])
        }
        logger.info("Closed certificate authority")
    }

    /// The roots peers should trust at `now`. Drops retiring roots whose last leaf has expired.
    func bundleRoots() async -> [Certificate] {
        if let plugged { return plugged.roots }
        let moment = now()
        var dropped: [Int] = []
        for index in roots.indices where roots[index].row.status == .retiring {
            if (roots[index].row.lastLeafNotAfter ?? .distantPast) <= moment {
                roots[index].row.status = .dropped
                dropped.append(roots[index].row.generation)
            }
        }
        let current = roots.filter { $0.row.status != .dropped }.map(\.certificate)
        let currentPEM = current.pem
        if trustBundleUpdates.current != currentPEM { trustBundleUpdates.send(currentPEM) }
        if !dropped.isEmpty, !closed {
            for generation in dropped {
                logger.info("Dropped retired root from the trust bundle", metadata: ["ca.root_generation": "\(generation)"])
            }
            do {
                try await pool.write { [dropped] db in
                    for generation in dropped { try CADatabase.setStatus(db, generation: generation, status: .dropped) }
                }
            } catch {
                logger.error("Cannot record dropped root", metadata: ["error.type": "\(type(of: error))"])
            }
        }
        return current
    }

    /// Intermediates to send with a leaf: a plugged chain, or during a rotation the active root
    /// cross-signed by its predecessor (while the predecessor is still trusted).
    func chain(bundle: [Certificate]) -> [Certificate] {
        if let plugged { return plugged.chain }
        guard let active = roots.last(where: { $0.row.status == .active }), let cross = active.crossSigned,
            roots.contains(where: { $0.row.generation == active.row.generation - 1 && bundle.contains($0.certificate) })
        else { return [] }
        return [cross]
    }

    func checkOpen() throws {
        if closed { throw MeshError(.unavailable, "the certificate authority is closed") }
    }
}
