public import MeshAPI
public import MeshModel

// MARK: data plane

extension AdminClient {
    /// The compiled data-plane snapshot (`GET /api/v1/snapshot`).
    public func snapshot() async throws -> Snapshot {
        try await get("/api/v1/snapshot")
    }
}

// MARK: certificate authority

extension AdminClient {
    public func caSign(csrPEM: String, ttl: String?) async throws -> IssuedCertificate {
        try await post("/api/v1/ca/sign", CASignRequest(csr: csrPEM, ttl: ttl))
    }

    public func caStatus() async throws -> CertificateAuthorityStatus {
        try await get("/api/v1/ca/status")
    }

    public func caBundle() async throws -> String {
        let (status, data, _) = try await raw("GET", "/api/v1/ca/bundle")
        guard status == 200 else { throw AdminClientError(status: status, body: data) }
        return String(decoding: data, as: UTF8.self)
    }

    public func createJoinToken(ttl: String?, nodeName: String) async throws -> JoinToken {
        try await post("/api/v1/ca/tokens", JoinTokenRequest(ttl: ttl, nodeName: nodeName))
    }

    public func caRotateRoot() async throws -> CertificateAuthorityStatus {
        try await post("/api/v1/ca/rotate-root", JoinTokenRequest())
    }

    /// A node's first call: spends a join token on its node certificate (no admin token needed).
    public func joinNode(token: String, nodeName: String, csrPEM: String) async throws -> IssuedCertificate {
        try await post("/join/v1/node", NodeJoinRequest(token: token, nodeName: nodeName, csr: csrPEM))
    }
}
