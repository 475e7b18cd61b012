/// A capture backend that also keeps the VIP ranges' host routes (`proxy.installRoutes`): each
/// pass makes sure of them, the canary check misses them as it misses the rules, and removing
/// the rules removes them.
///
/// ```swift
/// let capture = RoutedCapture(CaptureReconciler(configuration: rules, runner: runner),
///     routes: VIPRoutes(configuration: rules, runner: runner))
/// ```
public struct RoutedCapture: CaptureBackend {
    public let inner: any CaptureBackend
    public let routes: VIPRoutes

    public init(_ inner: any CaptureBackend, routes: VIPRoutes) {
        self.inner = inner
        self.routes = routes
    }

    public var name: String { inner.name }

    /// The rules first (traffic routed to the VIPs before they are in place would find nothing
    /// to take it), then the routes. A route someone else made for a range is a problem, not an error.
    public func capturePass(_ services: [ServiceVIP]) async throws -> CapturePass {
        var pass = try await inner.capturePass(services)
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = try await routes.ensure()
        pass.duration += clock.now - start
        pass.changed = pass.changed || outcome.changed
        pass.problems += outcome.foreign.map {
            CaptureRules.Problem(
                service: "*", reason: "a route to \($0) that meshbox did not make is left alone (proxy.installRoutes)")
        }
        return pass
    }

    public func canaryIsPresent() async throws -> Bool {
        guard try await inner.canaryIsPresent() else { return false }
        return try await routes.present()
    }

    /// The routes first, so no connection is routed to a VIP after its rules are gone.
    public func removeRules() async throws {
        try await routes.remove()
        try await inner.removeRules()
    }
}
