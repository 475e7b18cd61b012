/// A browser's view of a console session: the cookie it holds and the CSRF token login gave it.
struct BrowserSession: Sendable {
    var cookie: String
    var csrfToken: String
    /// The whole `Set-Cookie` header login answered with.
    var setCookie: String
}

extension ConsoleHarness {
    /// Logs in with the admin token as the console page does; fails the test when that does not work.
    func login(token: String = ConsoleHarness.secret) async throws -> BrowserSession {
        let reply = try await send("POST", "/api/v1/session", body: #"{"token":"\#(token)"}"#, token: nil)
        guard reply.status == 201, let setCookie = reply.headers["set-cookie"],
            let pair = setCookie.split(separator: ";").first, let csrf = reply.object["csrfToken"] as? String
        else {
            throw TestHTTPClient.Failure(description: "login failed: \(reply)")
        }
        return BrowserSession(cookie: String(pair), csrfToken: csrf, setCookie: setCookie)
    }

    /// A request as the browser sends it with a session: the cookie, no Authorization header,
    /// and the CSRF header when `csrf` is given.
    func send(
        _ method: String, _ path: String, session: BrowserSession, csrf: String? = nil, body: String = ""
    ) async throws -> HTTPReply {
        var headers = ["Cookie": session.cookie]
        if let csrf { headers["X-CSRF-Token"] = csrf }
        return try await send(method, path, body: body, token: nil, headers: headers)
    }
}
