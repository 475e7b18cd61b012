import Foundation
import HTTPTypes
import Hummingbird
import MeshAPI
import MeshCore
import NIOCore

extension AdminConsole {
    func addCertificateAuthorityRoutes(to router: Router<ConsoleRequestContext>) {
        router.post("/api/v1/ca/sign") { request, _ in
            let ca = try requireCertificateAuthority()
            let body = try JSONBody.decode(CASignRequest.self, from: try await collectBody(request))
            let ttl = try body.ttl.map { try Self.duration($0, field: "ttl") }
            return JSONBody.response(try await ca.sign(csrPEM: body.csr, ttl: ttl, requester: .admin))
        }
        router.get("/api/v1/ca/bundle") { _, _ in
            let ca = try requireCertificateAuthority()
            return Self.text(await ca.trustBundlePEM(), status: .ok, contentType: "application/x-pem-file")
        }
        router.get("/api/v1/ca/status") { _, _ in
            let ca = try requireCertificateAuthority()
            return JSONBody.response(await ca.status())
        }
        router.post("/api/v1/ca/tokens") { request, _ in
            let ca = try requireCertificateAuthority()
            let body = try JSONBody.decode(JoinTokenRequest.self, from: try await collectBody(request))
            let ttl = try Self.duration(body.ttl ?? "1h", field: "ttl")
            // A token without a node name would join as any node, even this control plane's own.
            guard let nodeName = body.nodeName, !nodeName.isEmpty else {
                throw MeshError(.invalidArgument, "body.nodeName: required: the name of the node that will join with the token")
            }
            return JSONBody.response(try await ca.createJoinToken(ttl: ttl, nodeName: nodeName), status: .created)
        }
        router.post("/api/v1/ca/rotate-root") { _, _ in
            let ca = try requireCertificateAuthority()
            return JSONBody.response(try await ca.rotateRoot())
        }
        // Outside /api: the join token is the credential here, not the admin token.
        router.post("/join/v1/node") { request, _ in
            let ca = try requireCertificateAuthority()
            let body = try JSONBody.decode(NodeJoinRequest.self, from: try await collectBody(request))
            return JSONBody.response(try await ca.joinNode(token: body.token, nodeName: body.nodeName, csrPEM: body.csr))
        }
    }

    static func duration(_ text: String, field: String) throws -> Duration {
        switch DurationText.read(text) {
        case .success(let duration) where duration > .zero:
            return duration
        case .success:
            throw MeshError(.invalidArgument, "body.\(field): invalid duration \"\(text)\": must be positive (e.g. 30m, 24h)")
        case .failure(let problem):
            throw MeshError(.invalidArgument, "body.\(field): invalid duration \"\(text)\": \(problem)")
        }
    }
}
