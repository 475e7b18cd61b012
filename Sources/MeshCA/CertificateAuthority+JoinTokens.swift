import Crypto
import Foundation
import GRDB
import Logging
public import MeshAPI
import MeshCore

extension CertificateAuthority {
    public func createJoinToken(ttl: Duration, nodeName: String?) async throws -> JoinToken {
        try checkOpen()
        guard ttl > .zero, ttl <= options.maxJoinTokenTTL else {
            throw MeshError(
                .invalidArgument, "join token TTL must be positive and at most \(DurationText.format(options.maxJoinTokenTTL))")
        }
        if let nodeName { try Self.checkNodeName(nodeName) }
        let secret = "mbxjoin_" + Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64URL
        let moment = now()
        let expiresAt = moment.addingTimeInterval(ttl.seconds)
        let hash = Self.tokenHash(secret)
        do {
            try await pool.write { db in
                try CADatabase.insertToken(db, hash: hash, nodeName: nodeName, expiresAt: expiresAt, createdAt: moment)
            }
        } catch {
            throw MeshError(.io, "cannot store the join token", cause: error)
        }
        logger.info("Created join token", metadata: ["ca.node_name": "\(nodeName ?? "*")", "ca.expires_at": "\(expiresAt)"])
        return JoinToken(token: secret, expiresAt: expiresAt, nodeName: nodeName)
    }

    public func joinNode(token: String, nodeName: String, csrPEM: String) async throws -> IssuedCertificate {
        try checkOpen()
        try Self.checkNodeName(nodeName)
        // Check the request before spending the token, so a malformed CSR does not burn it.
        let (csr, identity) = try parseRequest(csrPEM)
        let expected = SPIFFEID.node(nodeName, trustDomain: trustDomain)
        guard identity == expected else {
            throw MeshError(.permissionDenied, "node \(nodeName) may not request \(identity); a joining node asks for \(expected)")
        }
        let lifetime = try leafLifetime(nil)
        let hash = Self.tokenHash(token)
        let moment = now()
        let outcome: TokenOutcome
        do {
            outcome = try await pool.write { db in try CADatabase.spendToken(db, hash: hash, nodeName: nodeName, now: moment) }
        } catch {
            throw MeshError(.io, "cannot read the join token", cause: error)
        }
        switch outcome {
        case .spent: break
        case .unknown: throw MeshError(.unauthenticated, "unknown join token")
        case .used: throw MeshError(.unauthenticated, "the join token has already been used")
        case .expired: throw MeshError(.unauthenticated, "the join token has expired")
        case .otherNode: throw MeshError(.unauthenticated, "the join token is for another node")
        }
        logger.info("Node joined", metadata: ["ca.node_name": "\(nodeName)"])
        return try await issue(csr: csr, identity: identity, lifetime: lifetime, requester: .node(nodeName))
    }

    static func tokenHash(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).hexString
    }

    static func checkNodeName(_ name: String) throws {
        guard SPIFFEID.isSegment("node-" + name), !name.isEmpty else {
            throw MeshError(.invalidArgument, "invalid node name \(name): use letters, digits, '.', '-', '_'")
        }
    }
}

extension Data {
    var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
