import NIOCore
import NIOEmbedded
import Testing

@testable import MeshNet

/// The per-endpoint idle stacks, with the stack used last kept at hand: whichever endpoints
/// requests alternate between, each gets its own connections back.
@Suite("IdlePool")
struct IdlePoolTests {
    static func connection(to endpoint: UpstreamEndpoint) -> UpstreamConnection {
        UpstreamConnection(channel: EmbeddedChannel(), endpoint: endpoint, handler: UpstreamResponseHandler(), codec: nil)
    }

    let a = UpstreamEndpoint(address: "10.0.0.1", port: 80)
    let b = UpstreamEndpoint(address: "10.0.0.2", port: 80)

    @Test("connections come back to their own endpoint, the last pooled first, alternating endpoints")
    func perEndpoint() {
        var pool = IdlePool()
        let a1 = Self.connection(to: a), a2 = Self.connection(to: a), b1 = Self.connection(to: b)
        let pushed = [pool.push(a1, limit: 8), pool.push(b1, limit: 8), pool.push(a2, limit: 8)]
        #expect(pushed == [true, true, true])
        let popped = [
            pool.popLast(for: b), pool.popLast(for: b), pool.popLast(for: a),
            // An equal endpoint value from a newer snapshot (another object) finds the same stack.
            pool.popLast(for: UpstreamEndpoint(address: "10.0.0.1", port: 80)), pool.popLast(for: a),
        ]
        #expect(popped[0] === b1 && popped[1] == nil && popped[2] === a2 && popped[3] === a1 && popped[4] == nil)
    }

    @Test("an endpoint holds at most the limit; a closed connection leaves its stack")
    func limitAndRemove() {
        var pool = IdlePool()
        let first = Self.connection(to: a), second = Self.connection(to: a), third = Self.connection(to: a)
        let pushed = [pool.push(first, limit: 2), pool.push(second, limit: 2), pool.push(third, limit: 2)]
        #expect(pushed == [true, true, false])
        _ = pool.push(Self.connection(to: b), limit: 2)  // the stack at hand is b's now
        pool.remove(second)
        let popped = [pool.popLast(for: a), pool.popLast(for: a)]
        #expect(popped[0] === first && popped[1] == nil)
    }

    @Test("expired connections and removed endpoints leave the pool, the rest stay")
    func expiryAndEndpoints() {
        var pool = IdlePool()
        let old = Self.connection(to: a), fresh = Self.connection(to: a), other = Self.connection(to: b)
        _ = pool.push(old, limit: 8)
        _ = pool.push(fresh, limit: 8)
        _ = pool.push(other, limit: 8)
        let expired = pool.removeExpired { $0 === old || $0 === other }
        #expect(expired.count == 2 && expired.contains { $0 === old } && expired.contains { $0 === other })
        var popped = [pool.popLast(for: b), pool.popLast(for: a)]
        #expect(popped[0] == nil && popped[1] === fresh)
        _ = pool.push(fresh, limit: 8)
        _ = pool.push(other, limit: 8)
        let gone = pool.removeEndpoints(notIn: [a.key])
        #expect(gone.count == 1 && gone[0] === other)
        popped = [pool.popLast(for: b)]
        let rest = pool.removeAll()
        popped.append(pool.popLast(for: a))
        #expect(popped[0] == nil && rest.count == 1 && rest[0] === fresh && popped[1] == nil)
    }
}
