public import MeshCore

/// Keeps the `inet meshbox` nftables table capturing the VIP table, through `nft -f` (one atomic
/// transaction per pass). The first pass, a pass after the canary went missing (`nft flush
/// ruleset`, a deleted table) and a pass after a failed apply replace the whole table, which also
/// adopts whatever a crashed run left; later passes add and delete only changed set elements.
public actor NFTCaptureReconciler {
    public let configuration: CaptureConfiguration
    private let runner: any CommandRunner
    /// What the last successful pass installed; nil when unknown.
    private var installed: NFTCaptureRules?
    private var renderings = CaptureRules.RenderingCache()
    private let gate = PassGate()
    /// As in `CaptureReconciler`: the UDP table whose stale flows were deleted, by family.
    private var udpInstalled: [IPFamily: UDPForwarding] = [:]
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

    public struct Report: Sendable {
        public var duration: Duration
        /// Whether the whole table was written (first pass, repair, structure change).
        public var replacedTable: Bool
        public var canaryMissing: Bool
        /// The script applied; nil when nothing changed.
        public var script: String?
        public var problems: [CaptureRules.Problem]
        /// UDP conntrack entries deleted because their endpoint is no longer wanted.
        public var staleUDPFlows = 0
    }

    public func reconcile(_ services: [ServiceVIP]) async throws -> Report {
        try await exclusively {
            let clock = ContinuousClock()
            let start = clock.now
            let desired = NFTCaptureRules(services: services, configuration: configuration, cache: &renderings)
            var canaryMissing = false
            if installed != nil, !(try await canaryIsPresent()) {
                installed = nil
                canaryMissing = true
            }
            var script = desired.script(from: installed)
            var replaced = installed == nil || installed?.structure != desired.structure
            if let text = script {
                do {
                    try await apply(text)
                } catch  where !replaced {
                    // Memory was stale (an element someone deleted): replace the table instead.
                    script = desired.fullScript
                    replaced = true
                    installed = nil
                    try await apply(desired.fullScript)
                }
            }
            installed = desired
            var staleUDPFlows = 0
            for family in IPFamily.allCases {
                let wanted = desired.udp[family] ?? UDPForwarding()
                let range = configuration.serviceRange(family).flatMap(CanonicalAddress.init)
                if let cleaner = udpCleaner,
                    let scope = UDPConntrackCleaner.scope(from: udpInstalled[family], to: wanted, range: range)
                {
                    udpInstalled[family] = nil  // a failed cleanup is retried, over the whole range
                    staleUDPFlows += try await cleaner.clean(scope, wanted: wanted, family: family)
                }
                udpInstalled[family] = wanted
            }
            return Report(
                duration: clock.now - start,
                replacedTable: replaced && script != nil,
                canaryMissing: canaryMissing,
                script: script,
                problems: desired.problems,
                staleUDPFlows: staleUDPFlows
            )
        }
    }

    /// Deletes the table (if it is there); nothing else in the ruleset is touched.
    public func uninstall() async throws {
        try await exclusively {
            installed = nil
            udpInstalled = [:]
            try await apply(NFTCaptureRules.uninstallScript)
        }
    }

    public func canaryIsPresent() async throws -> Bool {
        // -t (terse): without it nft fetches every set element too, ~100 ms at 10,000 services.
        let output = try await runner.run(Command("nft", ["-t", "list", "chain", "inet", "meshbox", "canary"]))
        return output.status == 0 && output.standardOutput.contains("return")
    }

    private func apply(_ script: String) async throws {
        let output = try await runner.run(Command("nft", ["-f", "-"], input: script))
        guard output.status == 0 else {
            let detail = output.standardError.split(separator: "\n").prefix(5).joined(separator: "; ")
            throw MeshError(.io, "nft -f failed (exit \(output.status)): \(detail)")
        }
    }

    /// Runs `body` with no other pass in progress.
    private func exclusively<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await gate.acquire()
        defer { gate.release() }
        return try await body()
    }
}
