import Crypto
import Foundation
import MeshAPI
import MeshCore
import MeshTesting
import SwiftASN1
import Synchronization
import Testing
import X509

@testable import MeshCA

@Suite("CertificateHolder")
struct CertificateHolderTests {
    @Test("keeps a valid certificate across several renewals with the injected clock")
    func renewsAcrossHalfLives() async throws {
        try await withCA { ca, clock, _ in
            let id = workload("default", "web")
            let holder = CertificateHolder(now: clock.closure, random: { 0.5 }) {
                try await ca.sign(csrPEM: try csr(id), ttl: .seconds(4 * 3600), requester: .admin)
            }
            var first = try await holder.current()
            #expect(try await verifiedChain(first, at: clock.now) != nil)
            #expect(try await holder.renewIfDue() == false)
            var serials: Set<String> = [first.serialNumber]
            for _ in 0..<4 {
                let due = try #require(await holder.nextRenewal)
                // Exactly half the lifetime with jitter 0.5 (the middle of the range).
                #expect(abs(due.timeIntervalSince(first.notBefore) - first.notAfter.timeIntervalSince(first.notBefore) / 2) < 1)
                clock.advance(due.timeIntervalSince(clock.now) + 1)
                let renewed = try await holder.current()
                #expect(renewed.serialNumber != first.serialNumber)
                #expect(try await verifiedChain(renewed, at: clock.now) != nil)
                #expect(renewed.notBefore <= clock.now && clock.now < renewed.notAfter)
                serials.insert(renewed.serialNumber)
                first = renewed
            }
            #expect(serials.count == 5)
            #expect(holder.updates.current?.serialNumber == first.serialNumber)
        }
    }

    @Test("a certificate past its renewal time is renewed at once, a failed renewal keeps the old one")
    func renewsImmediatelyWhenLate() async throws {
        let clock = TestNow()
        let failing = FailSwitch()
        let start = clock.now
        let holder = CertificateHolder(
            initial: IssuedCertificate(
                certificatePEM: "", chainPEM: "", trustBundlePEM: "", spiffeID: "x", serialNumber: "1",
                notBefore: start, notAfter: start.addingTimeInterval(100)),
            now: clock.closure, random: { 0 }
        ) {
            if failing.on { throw MeshError(.unavailable, "ca down") }
            return IssuedCertificate(
                certificatePEM: "", chainPEM: "", trustBundlePEM: "", spiffeID: "x", serialNumber: "2",
                notBefore: clock.now, notAfter: clock.now.addingTimeInterval(100))
        }
        #expect(await holder.nextRenewal == start.addingTimeInterval(45))
        clock.advance(200)
        failing.on = true
        await #expect(throws: MeshError.self) { try await holder.renewIfDue() }
        #expect(holder.updates.current?.serialNumber == "1")
        failing.on = false
        #expect(try await holder.current().serialNumber == "2")
    }
}

final class FailSwitch: Sendable {
    private let state = Mutex(false)
    var on: Bool {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
