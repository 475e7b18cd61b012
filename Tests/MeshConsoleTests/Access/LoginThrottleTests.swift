@testable import MeshConsole
import Testing

@Suite("Login throttling")
struct LoginThrottleTests {
    @Test("N failures within the window throttle the address until the oldest leaves it; others are not affected")
    func table() {
        var throttle = LoginThrottle(policy: .init(maxFailures: 3, window: .seconds(60)))
        for second in [0, 10, 20] {
            #expect(throttle.verdict(for: "a", now: .seconds(second)) == .allowed)
            throttle.recordFailure(from: "a", now: .seconds(second))
        }
        #expect(throttle.verdict(for: "a", now: .seconds(21)) == .throttled(retryAfter: .seconds(39)))
        #expect(throttle.verdict(for: "b", now: .seconds(21)) == .allowed)
        #expect(throttle.verdict(for: "a", now: .seconds(60)) == .allowed)
        // One more failure: the window now holds 10, 20 and 60, so it is throttled again until 70.
        throttle.recordFailure(from: "a", now: .seconds(60))
        #expect(throttle.verdict(for: "a", now: .seconds(61)) == .throttled(retryAfter: .seconds(9)))
    }

    @Test("failures spread wider than the window never throttle; a success forgets them")
    func spreadAndSuccess() {
        var throttle = LoginThrottle(policy: .init(maxFailures: 2, window: .seconds(10)))
        for second in stride(from: 0, to: 100, by: 11) {
            #expect(throttle.verdict(for: "a", now: .seconds(second)) == .allowed)
            throttle.recordFailure(from: "a", now: .seconds(second))
        }
        throttle.recordFailure(from: "b", now: .seconds(0))
        throttle.recordSuccess(from: "b")
        throttle.recordFailure(from: "b", now: .seconds(1))
        #expect(throttle.verdict(for: "b", now: .seconds(1)) == .allowed)
    }

    @Test("the table is bounded: the stalest address makes room")
    func bounded() {
        var throttle = LoginThrottle(policy: .init(maxFailures: 1, window: .seconds(60)), capacity: 2)
        throttle.recordFailure(from: "a", now: .seconds(0))
        throttle.recordFailure(from: "b", now: .seconds(1))
        throttle.recordFailure(from: "c", now: .seconds(2))
        #expect(throttle.trackedAddresses == 2)
        #expect(throttle.verdict(for: "a", now: .seconds(3)) == .allowed)
        #expect(throttle.verdict(for: "c", now: .seconds(3)) != .allowed)
    }

    @Test("over a socket: bad tokens, then 429 with Retry-After even for the right token, then allowed after the window")
    func throughConsole() async throws {
        let clock = ManualClock()
        try await ConsoleHarness.with(
            config: FakeConfig(), clock: clock, adjust: { $0.loginThrottle = .init(maxFailures: 3, window: .seconds(60)) }
        ) { console in
            let wrong = String(repeating: "0", count: 64)
            #expect(try await console.send("GET", "/api/v1/revision", token: wrong).status == 401)
            #expect(try await console.send("POST", "/api/v1/session", body: #"{"token":"\#(wrong)"}"#, token: nil).status == 401)
            #expect(try await console.send("GET", "/api/v1/revision", token: wrong).status == 401)

            let throttled = try await console.send("GET", "/api/v1/revision")
            #expect(throttled.status == 429, "\(throttled)")
            #expect(throttled.headers["retry-after"] == "60")
            #expect(throttled.errorMessage?.contains("too many failed admin token attempts") == true)
            let login = try await console.send(
                "POST", "/api/v1/session", body: #"{"token":"\#(ConsoleHarness.secret)"}"#, token: nil)
            #expect(login.status == 429)
            #expect(login.headers["set-cookie"] == nil)
            // Open routes stay open while an address is throttled.
            #expect(try await console.send("GET", "/healthz", token: nil).status == 200)

            clock.advance(by: .seconds(30))
            #expect(try await console.send("GET", "/api/v1/revision").headers["retry-after"] == "30")
            clock.advance(by: .seconds(30))
            #expect(try await console.send("GET", "/api/v1/revision").status == 200)
            _ = try await console.login()
        }
    }
}
