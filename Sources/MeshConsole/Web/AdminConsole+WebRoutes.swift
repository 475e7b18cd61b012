import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension AdminConsole {
    /// The console page at `/` and its files under `/ui/`. Open without credentials: they hold
    /// no data; everything they show comes from `/api/` with a session.
    func addWebRoutes(to router: Router<ConsoleRequestContext>) {
        let assets = self.assets
        router.get("/") { request, _ in
            try Self.serve(assets, path: "index.html", request: request)
        }
        router.get("/ui/**") { request, context in
            let path = context.parameters.getCatchAll().joined(separator: "/")
            return try Self.serve(assets, path: path, request: request)
        }
    }

    /// Scripts and styles come only from this origin (no inline code, so the policy needs no
    /// `unsafe-inline`); the page may not be framed; API calls go to this origin only.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    static func serve(_ assets: WebAssets, path: String, request: Request) throws -> Response {
        guard let asset = assets.asset(at: path) else {
            throw APIError(status: .notFound, code: "not_found", message: "no console file \(path)")
        }
        var headers = HTTPFields()
        headers[.contentType] = asset.contentType
        headers[.eTag] = asset.etag
        // Revalidate every time: a new binary (or an edited --web-root file) shows at once, and
        // an unchanged file costs a 304.
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        if asset.contentType.hasPrefix("text/html") {
            headers[.contentSecurityPolicy] = contentSecurityPolicy
            headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
            headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        }
        if let tags = request.headers[.ifNoneMatch],
            tags.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == asset.etag })
        {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
