import MeshModel
import MeshNet
import Testing

@Suite("CircuitBreaker")
struct CircuitBreakerTests {
    enum Kind: CaseIterable, Sendable {
        case connections, pending, requests, retries
    }

    @Test("nil thresholds keep Envoy's defaults")
    func defaults() {
        let breaker = CircuitBreaker(nil)
        #expect(breaker.maxConnections == 1024)
        #expect(breaker.maxPendingRequests == 1024)
        #expect(breaker.maxRequests == 1024)
        #expect(breaker.maxRetries == 3)
        let partial = CircuitBreaker(.init(maxRequests: 5))
        #expect(partial.maxRequests == 5)
        #expect(partial.maxConnections == 1024)
    }

    @Test("each limit admits exactly its maximum, and frees a slot when one ends", arguments: Kind.allCases)
    func limits(_ kind: Kind) {
        let breaker = CircuitBreaker(.init(maxConnections: 2, maxPendingRequests: 2, maxRequests: 2, maxRetries: 2))
        let (can, start, end): (() -> Bool, () -> Void, () -> Void) =
            switch kind {
            case .connections: (breaker.canOpenConnection, breaker.connectionOpened, breaker.connectionClosed)
            case .pending: (breaker.canQueuePending, breaker.pendingStarted, breaker.pendingFinished)
            case .requests: (breaker.canStartRequest, breaker.requestStarted, breaker.requestFinished)
            case .retries: (breaker.canRetry, breaker.retryStarted, breaker.retryFinished)
            }
        #expect(can())
        start()
        #expect(can())
        start()
        #expect(!can())
        end()
        #expect(can())
        end()
        end()  // one too many: stays at zero
        start()
        start()
        #expect(!can())
    }

    @Test("new limits apply to the work already counted")
    func update() {
        let breaker = CircuitBreaker(.init(maxRequests: 10))
        for _ in 0..<5 { breaker.requestStarted() }
        breaker.update(.init(maxRequests: 5))
        #expect(!breaker.canStartRequest())
        #expect(breaker.activeRequests == 5)
        breaker.update(nil)
        #expect(breaker.canStartRequest())
    }
}
