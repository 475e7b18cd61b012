public import Foundation
public import Logging
import MeshCore

/// A workload certificate with its key, issued for one Envoy node (meshbox: by the mesh CA).
public struct XDSWorkloadCertificate: Sendable, Hashable {
    /// Leaf first, then the intermediates a peer needs.
    public var certificateChainPEM: String
    public var privateKeyPEM: String
    /// The mesh trust bundle at issuance: served as the mesh bundle secrets (`ROOTCA`) the
    /// snapshot names without material (a control plane without a co-located gateway).
    public var trustBundlePEM: String
    /// For the log and for tests that follow a renewal.
    public var serialNumber: String
    public var notBefore: Date
    public var notAfter: Date

    public init(
        certificateChainPEM: String, privateKeyPEM: String, trustBundlePEM: String, serialNumber: String, notBefore: Date,
        notAfter: Date
    ) {
        self.certificateChainPEM = certificateChainPEM
        self.privateKeyPEM = privateKeyPEM
        self.trustBundlePEM = trustBundlePEM
        self.serialNumber = serialNumber
        self.notBefore = notBefore
        self.notAfter = notAfter
    }
}

/// Issues the mesh identity of the Envoy node with this `Node.id`, with a key made for it
/// (meshbox: `spiffe://<td>/ns/meshbox-system/sa/node-<id>` from the mesh CA).
public typealias XDSEnvoyIdentityIssue = @Sendable (_ nodeID: String) async throws -> XDSWorkloadCertificate

/// Each Envoy node's own workload certificate, the `default` SDS secret ISTIO_MUTUAL clusters
/// present: issued when the node first connects, kept per node id (never shared between nodes;
/// the streams of one node share it, and a reconnect within its life gets the same one, so a
/// delta client's `initial_resource_versions` still match), renewed at half the time between
/// getting it and its expiry, and dropped once expired. A failed issuance is logged and retried
/// after `retry`; a node meanwhile keeps the certificate it has.
///
/// Only for a server that knows who the node is: over mutual TLS a stream's `Node.id` is the one
/// its client certificate names (`XDSPeerIdentity`), so a key reaches only its own node.
public actor XDSEnvoyIdentities {
    private struct Held {
        var certificate: XDSWorkloadCertificate
        var renewAt: Date
    }

    private let issue: XDSEnvoyIdentityIssue
    private let retry: Duration
    private let now: @Sendable () -> Date
    private let logger: Logger
    private var held: [String: Held] = [:]
    private var issuing: [String: Task<XDSWorkloadCertificate, any Error>] = [:]

    public init(
        issue: @escaping XDSEnvoyIdentityIssue, retry: Duration = .seconds(5),
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.issue = issue
        self.retry = retry
        self.now = now
        self.logger = logger
    }

    /// When a certificate received at `received` that expires at `notAfter` is renewed: half-way,
    /// counted from its arrival (the CA back-dates `notBefore` for clock skew).
    static func renewalDate(received: Date, notAfter: Date) -> Date {
        received.addingTimeInterval(max(0, notAfter.timeIntervalSince(received)) / 2)
    }

    /// The node's certificate (issuing one when it has none or its renewal is due; concurrent
    /// callers for one node share one issuance) and how long until it should be asked again.
    /// Nil while the CA refuses: asked again after `retry`.
    public func current(for nodeID: String) async -> (certificate: XDSWorkloadCertificate?, askAgainIn: Duration) {
        let moment = now()
        held = held.filter { $0.value.certificate.notAfter > moment }
        if let entry = held[nodeID], moment < entry.renewAt {
            return (entry.certificate, Self.duration(from: moment, to: entry.renewAt))
        }
        let task: Task<XDSWorkloadCertificate, any Error>
        if let running = issuing[nodeID] {
            task = running
        } else {
            let issue = self.issue
            task = Task { try await issue(nodeID) }
            issuing[nodeID] = task
        }
        do {
            let certificate = try await task.value
            if issuing[nodeID] == task {
                issuing[nodeID] = nil
                let renewAt = Self.renewalDate(received: now(), notAfter: certificate.notAfter)
                held[nodeID] = Held(certificate: certificate, renewAt: renewAt)
                logger.info(
                    "Issued an Envoy node its mesh workload certificate",
                    metadata: [
                        "node.id": "\(nodeID)", "ca.serial": "\(certificate.serialNumber)",
                        "ca.not_after": "\(certificate.notAfter)", "xds.renew_at": "\(renewAt)",
                    ])
            }
            let renewAt = held[nodeID]?.renewAt ?? now().addingTimeInterval(retry.seconds)
            return (certificate, Self.duration(from: now(), to: renewAt))
        } catch {
            if issuing[nodeID] == task {
                issuing[nodeID] = nil
                logger.warning(
                    "Cannot issue an Envoy node its mesh workload certificate; ISTIO_MUTUAL clusters of the node wait for it",
                    metadata: ["node.id": "\(nodeID)", "error.message": "\(error)"])
            }
            let kept = held[nodeID].map(\.certificate).flatMap { $0.notAfter > now() ? $0 : nil }
            return (kept, retry)
        }
    }

    /// How many nodes hold a certificate here (for tests).
    package var count: Int { held.count }

    private static func duration(from start: Date, to end: Date) -> Duration {
        .milliseconds(Int64(max(0, end.timeIntervalSince(start)) * 1000) + 1)
    }
}
