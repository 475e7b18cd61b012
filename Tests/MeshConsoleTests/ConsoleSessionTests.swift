import Foundation
import MeshConsole
import Testing

/// Browser sessions over real HTTP: login, cookie attributes, CSRF on writes, expiry, logout,
/// and bearer clients unchanged.
@Suite("Console sessions")
struct ConsoleSessionTests {
    static let peerAuthentication =
        #"{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"default"},"spec":{}}"#

    @Test("a request under /api/ with neither token nor session is 401")
    func noSession() async throws {
        try await ConsoleHarness.with(config: FakeConfig()) { console in
            for (method, path) in [("GET", "/api/v1/revision"), ("GET", "/api/v1/session"), ("POST", "/api/v1/apply")] {
                let reply = try await console.send(method, path, token: nil)
                #expect(reply.status == 401, "\(method) \(path): \(reply)")
                #expect(reply.errorCode == "unauthenticated")
            }
        }
    }

    @Test("login with a wrong token is 401 and sets no cookie", arguments: ["wrong", "", ConsoleHarness.secret + "0"])
    func wrongToken(token: String) async throws {
        try await ConsoleHarness.with(config: FakeConfig()) { console in
            let reply = try await console.send("POST", "/api/v1/session", body: #"{"token":"\#(token)"}"#, token: nil)
            #expect(reply.status == 401, "\(reply)")
            #expect(reply.errorCode == "unauthenticated")
            #expect(reply.headers["set-cookie"] == nil)
        }
    }

    @Test("login sets an HttpOnly, SameSite=Strict session cookie, Secure only with TLS", arguments: [false, true])
    func cookieAttributes(usesTLS: Bool) async throws {
        try await ConsoleHarness.with(config: FakeConfig(), usesTLS: usesTLS, sessionTTL: .seconds(7200)) { console in
            let session = try await console.login()
            let attributes = session.setCookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(attributes.first?.hasPrefix("meshbox_session=") == true)
            #expect(attributes.first?.count == "meshbox_session=".count + 64)
            #expect(attributes.contains("HttpOnly"))
            #expect(attributes.contains("SameSite=Strict"))
            #expect(attributes.contains("Path=/"))
            #expect(attributes.contains("Max-Age=7200"))
            #expect(attributes.contains("Secure") == usesTLS, "\(session.setCookie)")
            #expect(session.csrfToken.count == 64)
            #expect(!session.setCookie.contains(session.csrfToken))
        }
    }

    @Test("a session reads without a CSRF token, and GET /api/v1/session gives the token back")
    func sessionReads() async throws {
        try await ConsoleHarness.with(config: FakeConfig()) { console in
            let session = try await console.login()
            let revision = try await console.send("GET", "/api/v1/revision", session: session)
            #expect(revision.status == 200, "\(revision)")
            let info = try await console.send("GET", "/api/v1/session", session: session)
            #expect(info.status == 200)
            #expect(info.object["method"] as? String == "session")
            #expect(info.object["csrfToken"] as? String == session.csrfToken)
            #expect(info.headers["cache-control"] == "no-store")
        }
    }

    @Test("a write with a session but without the right CSRF token is 403 and changes nothing")
    func writeWithoutCSRF() async throws {
        let config = FakeConfig()
        try await ConsoleHarness.with(config: config) { console in
            let session = try await console.login()
            let missing = try await console.send("POST", "/api/v1/apply", session: session, body: Self.peerAuthentication)
            #expect(missing.status == 403, "\(missing)")
            #expect(missing.errorCode == "permission_denied")
            let wrong = try await console.send(
                "POST", "/api/v1/apply", session: session, csrf: String(repeating: "0", count: 64), body: Self.peerAuthentication)
            #expect(wrong.status == 403)
            let delete = try await console.send("DELETE", "/api/v1/resources/pa/default/default", session: session)
            #expect(delete.status == 403)
            #expect(await config.revision == 0)

            let right = try await console.send(
                "POST", "/api/v1/apply", session: session, csrf: session.csrfToken, body: Self.peerAuthentication)
            #expect(right.status == 200, "\(right)")
            #expect(await config.revision == 1)
        }
    }

    @Test("another session's CSRF token does not pass")
    func csrfBelongsToItsSession() async throws {
        try await ConsoleHarness.with(config: FakeConfig()) { console in
            let first = try await console.login()
            let second = try await console.login()
            let reply = try await console.send(
                "POST", "/api/v1/apply", session: first, csrf: second.csrfToken, body: Self.peerAuthentication)
            #expect(reply.status == 403)
        }
    }

    @Test("bearer clients write without a CSRF token, as before")
    func bearerUnchanged() async throws {
        try await ConsoleHarness.with(config: FakeConfig()) { console in
            let reply = try await console.send("POST", "/api/v1/apply", body: Self.peerAuthentication)
            #expect(reply.status == 200, "\(reply)")
            let info = try await console.send("GET", "/api/v1/session")
            #expect(info.object["method"] as? String == "bearer")
        }
    }

    @Test("a wrong bearer token is 401 even beside a valid session cookie")
    func wrongBearerWithSession() async throws {
        try await ConsoleHarness.with(config: FakeConfig()) { console in
            let session = try await console.login()
            let reply = try await console.send(
                "GET", "/api/v1/revision", token: "wrong", headers: ["Cookie": session.cookie])
            #expect(reply.status == 401)
        }
    }

    @Test("a session past its lifetime is 401 and the answer clears the cookie")
    func expiredSession() async throws {
        let clock = ManualClock()
        try await ConsoleHarness.with(
            config: FakeConfig(), sessionTTL: .seconds(3600), sessionIdleTimeout: .seconds(3600), clock: clock
        ) { console in
            let session = try await console.login()
            clock.advance(by: .seconds(1800))
            #expect(try await console.send("GET", "/api/v1/revision", session: session).status == 200)
            clock.advance(by: .seconds(1800))
            let expired = try await console.send("GET", "/api/v1/revision", session: session)
            #expect(expired.status == 401, "\(expired)")
            #expect(expired.errorMessage == "the session has expired; log in again")
            #expect(expired.headers["set-cookie"]?.contains("Max-Age=0") == true)
            // Gone for good, not just refused once.
            let again = try await console.send("GET", "/api/v1/revision", session: session)
            #expect(again.status == 401)
            #expect(again.errorMessage == "unknown session; log in again")
        }
    }

    @Test("a session unused for the idle timeout is 401; use keeps it alive")
    func idleSession() async throws {
        let clock = ManualClock()
        try await ConsoleHarness.with(
            config: FakeConfig(), sessionTTL: .seconds(36000), sessionIdleTimeout: .seconds(600), clock: clock
        ) { console in
            let session = try await console.login()
            for _ in 0..<3 {
                clock.advance(by: .seconds(590))
                #expect(try await console.send("GET", "/api/v1/revision", session: session).status == 200)
            }
            clock.advance(by: .seconds(600))
            #expect(try await console.send("GET", "/api/v1/revision", session: session).status == 401)
        }
    }

    @Test("logout ends the session and clears the cookie; it needs the CSRF token")
    func logout() async throws {
        try await ConsoleHarness.with(config: FakeConfig()) { console in
            let session = try await console.login()
            let forged = try await console.send("DELETE", "/api/v1/session", session: session)
            #expect(forged.status == 403)
            let out = try await console.send("DELETE", "/api/v1/session", session: session, csrf: session.csrfToken)
            #expect(out.status == 204, "\(out)")
            #expect(out.headers["set-cookie"]?.contains("Max-Age=0") == true)
            #expect(try await console.send("GET", "/api/v1/revision", session: session).status == 401)
        }
    }

    @Test("a made-up session cookie is 401")
    func unknownCookie() async throws {
        try await ConsoleHarness.with(config: FakeConfig()) { console in
            let fake = BrowserSession(cookie: "meshbox_session=" + String(repeating: "a", count: 64), csrfToken: "", setCookie: "")
            let reply = try await console.send("GET", "/api/v1/revision", session: fake)
            #expect(reply.status == 401)
        }
    }
}
