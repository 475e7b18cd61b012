/// What the reconciler believes is installed in one family's nat table, and what to do next.
///
/// It starts knowing nothing (`unknown`): the first pass reads the table (`iptables-save`),
/// which adopts whatever a crashed run left. After a successful apply it trusts its memory and
/// diffs against it (a one-service change writes only that service's lines). A failed apply or a
/// missing canary sends it back to `unknown`, so the next pass reads the table again and
/// reinstalls what is missing.
struct CaptureSync: Sendable {
    enum State: Sendable, Hashable {
        case unknown
        case installed(NATChains)
    }

    enum Action: Sendable, Hashable {
        /// Read the table and report it with `observed(_:)`.
        case readInstalled
        /// Apply the plan and report with `applied(_:)` or `applyFailed()`.
        case apply(RestorePlan)
        case upToDate
    }

    private(set) var state: State = .unknown
    /// Whether the table was read since the last apply: a failure after a fresh read is final.
    private(set) var readSinceApply = false

    mutating func next(toward desired: NATChains) -> Action {
        switch state {
        case .unknown:
            return .readInstalled
        case .installed(let installed):
            guard let plan = RestorePlan(from: installed, to: desired) else { return .upToDate }
            return .apply(plan)
        }
    }

    mutating func observed(_ installed: NATChains) {
        state = .installed(installed)
        readSinceApply = true
    }

    mutating func applied(_ desired: NATChains) {
        state = .installed(desired)
        readSinceApply = false
    }

    /// The table was not what memory said (someone edited it): read it again next time.
    mutating func applyFailed() {
        state = .unknown
    }

    mutating func canaryMissing() {
        state = .unknown
        readSinceApply = false
    }

    /// Whether the canary must be checked before trusting memory (not right after a read).
    var trustsMemory: Bool {
        if case .installed = state { return !readSinceApply }
        return false
    }
}
