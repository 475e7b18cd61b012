import Hummingbird
import MeshAPI

extension AdminConsole {
    /// The node proxy in this process: capture rules, VIPs, listeners, last reconcile
    /// (`meshbox proxy status`). 503 when the proxy role does not run here.
    func addProxyRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("/api/v1/proxy/status") { _, _ in
            guard let proxyStatus else { throw APIError.unavailable(role: "proxy") }
            return JSONBody.response(await proxyStatus.proxyStatus())
        }
    }
}
