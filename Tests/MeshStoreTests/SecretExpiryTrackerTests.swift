import Foundation
import MeshAPI
import MeshModel
@testable import MeshStore
import MeshTesting
import Testing

/// Which Secrets go on the expiry gauge and when a warning is due, without I/O.
@Suite("Secret expiry tracker")
struct SecretExpiryTrackerTests {
    static let now = Date()
    static let day: TimeInterval = 86400

    static func secret(_ name: String, lifetimeDays: Double, leftDays: Double, namespace: String = "default") throws
        -> (ResourceKey, StoredResource)
    {
        let authority = try TestPKI.Authority(trustDomain: "example.com")
        let leaf = try authority.issue(
            spiffeID: nil, dnsName: "\(name).example.com",
            notValidBefore: now.addingTimeInterval((leftDays - lifetimeDays) * day), notValidAfter: now.addingTimeInterval(leftDays * day))
        let resource = Resource(
            metadata: ObjectMeta(name: name, namespace: namespace),
            spec: .secret(.tls(certificateChainPEM: try leaf.chainPEM, privateKeyPEM: leaf.privateKeyPEM)))
        return (resource.key, StoredResource(resource: resource, revision: 1, createRevision: 1, version: 1, updatedAt: now))
    }

    static func state(_ entries: [(ResourceKey, StoredResource)], revision: Int64 = 1) -> ConfigState {
        ConfigState(revision: revision, resources: Dictionary(uniqueKeysWithValues: entries))
    }

    @Test("every TLS Secret is on the gauge; the due one is warned about once, again after a day or a new certificate")
    func warnings() throws {
        let due = try Self.secret("due", lifetimeDays: 30, leftDays: 3)
        let fine = try Self.secret("fine", lifetimeDays: 90, leftDays: 60)
        let caOnly = StoredResource(
            resource: Resource(metadata: ObjectMeta(name: "ca"), spec: .secret(SecretSpec(type: .opaque, stringData: ["ca.crt": "x"]))),
            revision: 1, createRevision: 1, version: 1, updatedAt: Self.now)
        var tracker = SecretExpiryTracker()
        let first = tracker.check(Self.state([due, fine, (caOnly.key, caOnly)]), now: Self.now)
        #expect(Set(first.expiries.keys) == [due.0, fine.0])
        #expect(first.warnings.map(\.key) == [due.0] && first.removed.isEmpty)

        // An hour later (an apply, or the periodic look): no repeat.
        let later = tracker.check(Self.state([due, fine]), now: Self.now.addingTimeInterval(3600))
        #expect(later.warnings.isEmpty && later.expiries.count == 2)
        // A day later: reminded.
        let nextDay = tracker.check(Self.state([due, fine]), now: Self.now.addingTimeInterval(Self.day + 1))
        #expect(nextDay.warnings.map(\.key) == [due.0])
        // Replaced by another certificate that is still due: warned at once.
        let replaced = try Self.secret("due", lifetimeDays: 30, leftDays: 2)
        let renewedButShort = tracker.check(Self.state([replaced, fine]), now: Self.now.addingTimeInterval(Self.day + 2))
        #expect(renewedButShort.warnings.map(\.key) == [due.0])
        // Deleted: off the gauge.
        let deleted = tracker.check(Self.state([fine]), now: Self.now.addingTimeInterval(Self.day + 3))
        #expect(deleted.removed == [due.0] && deleted.warnings.isEmpty && Array(deleted.expiries.keys) == [fine.0])
    }
}
