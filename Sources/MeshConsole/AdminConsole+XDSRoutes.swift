import Hummingbird
import MeshAPI
import MeshCore

extension AdminConsole {
    /// The ADS server's nodes in this process: connected and recently gone, with acked versions and
    /// the last NACK. 503 when `xds.enabled` is off here.
    func addXDSRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("/api/v1/xds/nodes") { _, _ in
            guard let xdsStatus else {
                throw APIError(
                    status: .serviceUnavailable, code: MeshError.Code.unavailable.name,
                    message: "the ADS server does not run in this process (xds.enabled is off)")
            }
            return JSONBody.response(await xdsStatus.xdsNodes())
        }
    }
}
