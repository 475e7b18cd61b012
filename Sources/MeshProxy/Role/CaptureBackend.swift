/// What the proxy role drives to capture VIP traffic: meshbox's iptables chains
/// (`CaptureReconciler`) or its nftables table (`NFTCaptureReconciler`).
public protocol CaptureBackend: Sendable {
    /// `iptables` or `nftables`, as `proxy.capture` names it.
    var name: String { get }
    /// Brings the host's rules to `services`; the first pass adopts what a crashed run left.
    func capturePass(_ services: [ServiceVIP]) async throws -> CapturePass
    /// Whether every captured family's canary is in place (false: someone flushed the rules).
    func canaryIsPresent() async throws -> Bool
    /// Removes every rule meshbox has on the host, read from the host, not from memory.
    func removeRules() async throws
}

/// What one capture pass did, whichever the backend.
public struct CapturePass: Sendable, Hashable {
    public var duration: Duration
    /// Whether anything was written to the host.
    public var changed: Bool
    /// Whether the pass found the rules flushed by someone else and put them back.
    public var repaired: Bool
    public var families: [Family]
    public var problems: [CaptureRules.Problem]

    public init(
        duration: Duration, changed: Bool, repaired: Bool, families: [Family], problems: [CaptureRules.Problem]
    ) {
        self.duration = duration
        self.changed = changed
        self.repaired = repaired
        self.families = families
        self.problems = problems
    }

    public struct Family: Sendable, Hashable {
        public var family: IPFamily
        public var range: String
        /// Whether meshbox's chains (or table) are in place for the family.
        public var installed: Bool
        /// meshbox's rules in the table (iptables), or its captured `VIP . port` elements (nftables).
        public var rules: Int

        public init(family: IPFamily, range: String, installed: Bool, rules: Int) {
            self.family = family
            self.range = range
            self.installed = installed
            self.rules = rules
        }
    }
}

extension CaptureReconciler: CaptureBackend {
    public nonisolated var name: String { "iptables" }

    public func capturePass(_ services: [ServiceVIP]) async throws -> CapturePass {
        let reports = try await reconcile(services)
        var problems: [CaptureRules.Problem] = []
        for problem in reports.flatMap(\.problems) where !problems.contains(problem) { problems.append(problem) }
        return CapturePass(
            duration: reports.reduce(.zero) { $0 + $1.duration },
            changed: reports.contains { $0.plan != nil },
            repaired: reports.contains { $0.canaryMissing },
            families: reports.map {
                CapturePass.Family(
                    family: $0.family, range: configuration.serviceRange($0.family) ?? "", installed: $0.ruleCount > 0,
                    rules: $0.ruleCount)
            },
            problems: problems
        )
    }

    public func canaryIsPresent() async throws -> Bool {
        for family in families where !(try await canaryIsPresent(family)) { return false }
        return true
    }

    public func removeRules() async throws {
        _ = try await uninstall()
    }
}

extension NFTCaptureReconciler: CaptureBackend {
    public nonisolated var name: String { "nftables" }

    public func capturePass(_ services: [ServiceVIP]) async throws -> CapturePass {
        let report = try await reconcile(services)
        // The table holds one `VIP . port` element per captured port (those of left-out
        // services aside, which the problems list).
        var elements: [IPFamily: Int] = [:]
        for service in services {
            guard let family = CanonicalAddress(service.address)?.family else { continue }
            elements[family, default: 0] += service.ports.filter(\.isCapturedByRedirect).count
        }
        let families = IPFamily.allCases.compactMap { family -> CapturePass.Family? in
            guard let range = configuration.serviceRange(family) else { return nil }
            return CapturePass.Family(family: family, range: range, installed: true, rules: elements[family] ?? 0)
        }
        return CapturePass(
            duration: report.duration,
            changed: report.script != nil,
            repaired: report.canaryMissing,
            families: families,
            problems: report.problems
        )
    }

    public func removeRules() async throws {
        try await uninstall()
    }
}
