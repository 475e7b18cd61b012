public import MeshCore

/// Keeps the host's nat tables capturing the VIP table: applies `CaptureRules` through
/// `iptables-restore --noflush` (and `ip6tables-restore` when an IPv6 range is configured), one
/// atomic transaction per family, writing only what changed since the last pass.
///
/// The first pass reads the table (adopting what a crashed run left), later passes diff against
/// what was applied. Each pass checks the canary chain, inside its transaction when it writes
/// (a family with nothing to write, in a pass that wrote another family, skips its check):
/// gone or flushed means someone flushed the table, and the pass reads it again and reinstalls
/// what is missing. Passes never overlap (a second caller waits).
public actor CaptureReconciler {
    public let configuration: CaptureConfiguration
    private let runner: any CommandRunner
    private var syncs: [IPFamily: CaptureSync] = [:]
    /// Each service's rendered rules from the last pass (both families share it).
    private var renderings = CaptureRules.RenderingCache()
    private let gate = PassGate()
    /// The UDP DNAT table of the last pass whose stale flows were deleted, by family; absent when
    /// unknown (first pass, after uninstall or a failed cleanup).
    private var udpInstalled: [IPFamily: UDPForwarding] = [:]
    /// nil only in tests that show what happens without the cleanup.
    private let udpCleaner: UDPConntrackCleaner?

    /// `runner` has no default on purpose: the caller names the namespace whose rules change
    /// (`SpawnCommandRunner()` for the host's own), so no test can reach the host by leaving it out.
    public init(configuration: CaptureConfiguration, runner: any CommandRunner) {
        self.init(configuration: configuration, runner: runner, cleansStaleUDPFlows: true)
    }

    package init(configuration: CaptureConfiguration, runner: any CommandRunner, cleansStaleUDPFlows: Bool) {
        self.configuration = configuration
        self.runner = runner
        self.udpCleaner = cleansStaleUDPFlows ? UDPConntrackCleaner(runner: runner) : nil
    }

    /// The families this configuration captures: IPv4, and IPv6 when it has a range.
    public var families: [IPFamily] {
        configuration.ipv6ServiceRange == nil ? [.ipv4] : [.ipv4, .ipv6]
    }

    /// Brings every captured family's table to the rules for `services`.
    public func reconcile(_ services: [ServiceVIP]) async throws -> [CaptureReport] {
        try await exclusively {
            var reports: [CaptureReport] = []
            for family in families {
                // A family with nothing to write in a pass that wrote another's leaves its canary
                // to the periodic check (`ProxyRole`'s canaryInterval), as between passes: in a
                // dual-stack one-change pass that is one `ip6tables` process fewer.
                let checksIdleCanary = !reports.contains { $0.plan != nil }
                reports.append(try await reconcile(services, family: family, checksIdleCanary: checksIdleCanary))
            }
            return reports
        }
    }

    /// Removes every rule and chain meshbox has in the nat tables, as read from them (not from
    /// memory), leaving the rest as it was. IPv6 too when ip6tables works, configured or not: a
    /// previous configuration may have had a range.
    public func uninstall() async throws -> [CaptureReport] {
        try await exclusively {
            var reports: [CaptureReport] = []
            udpInstalled = [:]
            for family in IPFamily.allCases {
                let clock = ContinuousClock()
                let start = clock.now
                syncs[family] = CaptureSync()
                let saved = try await runner.run(Command(Tools(family).save, ["-t", "nat"]))
                guard saved.status == 0 else {
                    if family == .ipv6 && configuration.ipv6ServiceRange == nil { continue }
                    throw failure(family, "\(Tools(family).save) -t nat", saved)
                }
                let plan = RestorePlan.uninstall(NATChains(iptablesSave: saved.standardOutput))
                if let plan { try await apply(plan, family: family) }
                reports.append(
                    CaptureReport(
                        family: family,
                        duration: clock.now - start,
                        readTable: true,
                        canaryMissing: false,
                        plan: plan,
                        ruleCount: 0,
                        problems: []
                    )
                )
            }
            return reports
        }
    }

    /// Whether the canary chain is there with its rule (an empty one was flushed).
    public func canaryIsPresent(_ family: IPFamily) async throws -> Bool {
        let output = try await runner.run(
            Command(Tools(family).iptables, ["-w", "5", "-t", "nat", "-S", CaptureRules.canaryChain])
        )
        return output.status == 0 && output.standardOutput.contains("-A \(CaptureRules.canaryChain) -j RETURN")
    }

    private func reconcile(_ services: [ServiceVIP], family: IPFamily, checksIdleCanary: Bool) async throws -> CaptureReport {
        let clock = ContinuousClock()
        let start = clock.now
        let rules = CaptureRules(services: services, family: family, configuration: configuration, cache: &renderings)
        var sync = syncs[family] ?? CaptureSync()
        defer { syncs[family] = sync }
        var canaryMissing = false
        var next = sync.next(toward: rules.chains)
        // Trusting memory needs the canary. A pass that writes checks it in its own transaction
        // (`RestorePlan.probingCanary`); only a pass with nothing to write asks iptables for it.
        var probing = false
        if sync.trustsMemory {
            if case .apply(let plan) = next, plan.probingCanary() != nil {
                probing = true
            } else if next == .upToDate, !checksIdleCanary {
                // checked by the next pass with nothing to write, or the periodic check
            } else if !(try await canaryIsPresent(family)) {
                sync.canaryMissing()
                canaryMissing = true
                next = sync.next(toward: rules.chains)
            }
        }
        var probeFailed = false
        var readTable = false
        var applied: RestorePlan?
        loop: while true {
            switch next {
            case .readInstalled:
                let saved = try await runner.run(Command(Tools(family).save, ["-t", "nat"]))
                guard saved.status == 0 else { throw failure(family, "\(Tools(family).save) -t nat", saved) }
                let installed = NATChains(iptablesSave: saved.standardOutput)
                sync.observed(installed)
                readTable = true
                if probeFailed, installed.chains[CaptureRules.canaryChain] != ["-j RETURN"] { canaryMissing = true }
            case .upToDate:
                break loop
            case .apply(let plan):
                do {
                    try await apply(probing ? plan.probingCanary() ?? plan : plan, family: family)
                    sync.applied(rules.chains)
                    applied = plan
                    break loop
                } catch {
                    let final = sync.readSinceApply
                    sync.applyFailed()
                    probeFailed = probing
                    probing = false
                    if final { throw error }  // memory was stale otherwise: read the table and retry
                }
            }
            next = sync.next(toward: rules.chains)
        }
        var staleUDPFlows = 0
        let range = configuration.serviceRange(family).flatMap(CanonicalAddress.init)
        if let cleaner = udpCleaner,
            let scope = UDPConntrackCleaner.scope(from: udpInstalled[family], to: rules.udpForwarding, range: range)
        {
            udpInstalled[family] = nil  // a failed cleanup is retried, over the whole range
            staleUDPFlows = try await cleaner.clean(scope, wanted: rules.udpForwarding, family: family)
        }
        udpInstalled[family] = rules.udpForwarding
        return CaptureReport(
            family: family,
            duration: clock.now - start,
            readTable: readTable,
            canaryMissing: canaryMissing,
            plan: applied,
            ruleCount: rules.chains.ruleCount,
            problems: rules.problems,
            staleUDPFlows: staleUDPFlows
        )
    }

    private func apply(_ plan: RestorePlan, family: IPFamily) async throws {
        // `-w`: with the legacy backend, wait for the xtables lock another tool holds (the nft
        // backend accepts and ignores it).
        let output = try await runner.run(Command(Tools(family).restore, ["--noflush", "-w", "5"], input: plan.input))
        guard output.status == 0 else { throw failure(family, "\(Tools(family).restore) --noflush", output) }
    }

    private func failure(_ family: IPFamily, _ command: String, _ output: CommandOutput) -> MeshError {
        let detail = output.standardError.split(separator: "\n").prefix(5).joined(separator: "; ")
        return MeshError(.io, "\(command) failed (\(family), exit \(output.status)): \(detail)")
    }

    /// Runs `body` with no other pass in progress.
    private func exclusively<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await gate.acquire()
        defer { gate.release() }
        return try await body()
    }

    struct Tools {
        let iptables: String
        let save: String
        let restore: String

        init(_ family: IPFamily) {
            let name = family == .ipv4 ? "iptables" : "ip6tables"
            iptables = name
            save = name + "-save"
            restore = name + "-restore"
        }
    }
}

/// What one reconcile (or uninstall) pass did in one family's table.
public struct CaptureReport: Sendable {
    public var family: IPFamily
    public var duration: Duration
    /// Whether the pass read the table (first pass, adoption, after a canary miss or a failure).
    public var readTable: Bool
    /// Whether the canary was gone or flushed, so the pass repaired the table.
    public var canaryMissing: Bool
    /// What was applied; nil when the table already matched.
    public var plan: RestorePlan?
    /// meshbox rules the table holds after the pass.
    public var ruleCount: Int
    public var problems: [CaptureRules.Problem]
    /// UDP conntrack entries deleted because their endpoint is no longer wanted (`UDPConntrackCleaner`).
    public var staleUDPFlows = 0
}
