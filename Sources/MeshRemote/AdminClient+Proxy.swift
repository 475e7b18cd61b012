public import MeshAPI

extension AdminClient {
    /// The node proxy's capture rules, VIPs, listeners and last reconcile (`GET /api/v1/proxy/status`).
    public func proxyStatus() async throws -> ProxyStatus {
        try await get("/api/v1/proxy/status")
    }
}
