import Crypto
import Foundation
import MeshAPI
import MeshCore
import MeshTesting
import SwiftASN1
import Testing
import X509

@testable import MeshCA

@Suite("RenewalSchedule")
struct RenewalScheduleTests {
    static let start = Date(timeIntervalSince1970: 1_000_000)

    /// (lifetime seconds, unit random, now offset, expected decision: renew-at offset or nil for now)
    @Test(
        "renews at half the lifetime with ±10 % jitter, immediately when late",
        arguments: [
            (100.0, 0.5, 0.0, 50.0 as Double?),
            (100.0, 0.0, 0.0, 45.0),
            (100.0, 1.0, 0.0, 55.0),
            (100.0, 0.75, 10.0, 52.5),
            (86_400.0, 0.5, 0.0, 43_200.0),
            (100.0, 0.5, 50.0, nil),
            (100.0, 0.0, 46.0, nil),
            (100.0, 0.5, 500.0, nil),
            (0.0, 0.5, 0.0, nil),
        ])
    func table(lifetime: Double, random: Double, now: Double, expected: Double?) {
        let schedule = RenewalSchedule()
        let decision = schedule.decide(
            notBefore: Self.start, notAfter: Self.start.addingTimeInterval(lifetime),
            now: Self.start.addingTimeInterval(now), unitRandom: random)
        if let expected {
            #expect(decision == .renew(at: Self.start.addingTimeInterval(expected)))
        } else {
            #expect(decision == .renewNow)
        }
    }

    @Test("jitter stays within ±10 % of the half-life for any draw")
    func jitterBounds() {
        let schedule = RenewalSchedule()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1000 {
            let date = schedule.renewalDate(
                notBefore: Self.start, notAfter: Self.start.addingTimeInterval(1000),
                unitRandom: Double.random(in: 0..<1, using: &generator))
            let offset = date.timeIntervalSince(Self.start)
            #expect(offset >= 450 && offset <= 550)
        }
    }
}
