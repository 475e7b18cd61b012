import Crypto
import Foundation
import GRDB
import Logging
public import MeshAPI
import MeshCore

extension CertificateAuthority {
    public func createJoinToken(ttl: Duration, nodeName: String) async throws -> JoinToken {
        try checkOpen()
        guard ttl > .zero, ttl <= options.maxJoinTokenTTL else {
            throw MeshError(
                .invalidArgument, "join token TTL must be positive and at most \(DurationText.format(options.maxJoinTokenTTL))")
        }
        try Self.checkNodeName(nodeName)
        if options.reservedNodeNames.contains(nodeName) {
            throw MeshError(.conflict, "node name \(nodeName) is this control plane's own node; a joining node needs another name")
        }
        let joined: Bool
        do {
            joined = try await pool.read { db in try CADatabase.hasJoined(db, nodeName: nodeName) }
        } catch {
            throw MeshError(.io, "cannot read the join tokens", cause: error)
        }
        if joined { throw Self.alreadyJoined(nodeName) }
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
        logger.info("Created join token", metadata: ["ca.node_name": "\(nodeName)", "ca.expires_at": "\(expiresAt)"])
        return JoinToken(token: secret, expiresAt: expiresAt, nodeName: nodeName)
    }

    public func joinNode(token: String, nodeName: String, csrPEM: String) async throws -> IssuedCertificate {
        try checkOpen()
        try Self.checkNodeName(nodeName)
        if options.reservedNodeNames.contains(nodeName) {
            throw MeshError(.permissionDenied, "node name \(nodeName) is this control plane's own node")
        }
        // Check the request before spending the token, so a malformed CSR does not burn it.
        let (csr, identity) = try parseRequest(csrPEM)
        let expected = SPIFFEID.node(nodeName, trustDomain: trustDomain)
        guard identity == expected else {
            throw MeshError(.permissionDenied, "node \(nodeName) may not request \(identity); a joining node asks for \(expected)")
        }
        let lifetime = try leafLifetime(nil)
        let hash = Self.tokenHash(token)
        let moment = now()
        // A read first, so that a wrong token costs no signature; the spend itself happens in the
        // transaction that logs the certificate, so a failed issuance leaves the token unspent and
        // of two concurrent joins with one token exactly one commits.
        let outcome: TokenOutcome
        do {
            outcome = try await pool.read { db in try CADatabase.checkToken(db, hash: hash, nodeName: nodeName, now: moment) }
        } catch {
            throw MeshError(.io, "cannot read the join token", cause: error)
        }
        if let refusal = Self.refusal(outcome) { throw refusal }
        let issued = try await issue(
            csr: csr, identity: identity, lifetime: lifetime, requester: .node(nodeName),
            sameTransaction: { db in
                let outcome = try CADatabase.spendToken(db, hash: hash, nodeName: nodeName, now: moment)
                if let refusal = Self.refusal(outcome) { throw refusal }
            })
        logger.info("Node joined", metadata: ["ca.node_name": "\(nodeName)"])
        return issued
    }

    /// The error a join with this token outcome gets; nil when the token may be or was spent.
    static func refusal(_ outcome: TokenOutcome) -> MeshError? {
        switch outcome {
        case .usable, .spent: nil
        case .unknown: MeshError(.unauthenticated, "unknown join token")
        case .used: MeshError(.unauthenticated, "the join token has already been used")
        case .expired: MeshError(.unauthenticated, "the join token has expired")
        case .otherNode: MeshError(.unauthenticated, "the join token is for another node")
        case .unbound:
            MeshError(.unauthenticated, "the join token names no node (made before node names were required); create a new one")
        case .alreadyJoined(let name): alreadyJoined(name)
        }
    }

    static func alreadyJoined(_ nodeName: String) -> MeshError {
        MeshError(.conflict, "node \(nodeName) has already joined; a node name joins once (choose another name for a new node)")
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
