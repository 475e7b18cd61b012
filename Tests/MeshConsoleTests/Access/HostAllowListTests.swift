import MeshConsole
import Testing

@Suite("Host allow-list (DNS rebinding)")
struct HostAllowListTests {
    @Test(
        "IP literals, localhost, the listen address and configured names are served; other names are not",
        arguments: [
            ("127.0.0.1:15000", true), ("[::1]:15000", true), ("::1", true), ("10.1.2.3", true),
            ("localhost:15000", true), ("LOCALHOST.", true), ("app.localhost", true),
            ("console.corp.example", true), ("Console.Corp.Example:443", true), ("a.mesh.example", true),
            ("evil.example", false), ("evil.example:15000", false), ("localhost.evil.example", false),
            ("mesh.example", false), ("127.0.0.1.evil.example", false), (nil, true),
        ] as [(String?, Bool)])
    func allows(host: String?, expected: Bool) {
        let list = HostAllowList(listenHost: "0.0.0.0", allowedHosts: ["console.corp.example", "*.mesh.example"])
        #expect(list.allows(hostHeader: host) == expected, "\(host ?? "no Host")")
    }

    @Test("a listen host name is allowed; * allows every name")
    func listenNameAndWildcard() {
        #expect(HostAllowList(listenHost: "admin.internal").allows(hostHeader: "admin.internal:15000"))
        #expect(!HostAllowList(listenHost: "admin.internal").allows(hostHeader: "other.internal"))
        #expect(HostAllowList(listenHost: "127.0.0.1", allowedHosts: ["*"]).allows(hostHeader: "anything.example"))
    }

    @Test("over a socket: a foreign Host gets 421 before authentication, an allowed one is served")
    func refusedOverSocket() async throws {
        try await ConsoleHarness.with(adjust: { $0.allowedHosts = ["console.corp.example"] }) { console in
            let foreign = try await console.send("GET", "/api/v1/status", headers: ["Host": "evil.example:15000"])
            #expect(foreign.status == 421)
            #expect(foreign.errorCode == "permission_denied")
            #expect(foreign.errorMessage?.contains("console.allowedHosts") == true, "\(foreign)")
            // Before authentication: the same without a token is still 421, not 401.
            let anonymous = try await console.send("GET", "/healthz", token: nil, headers: ["Host": "evil.example"])
            #expect(anonymous.status == 421)
            let login = try await console.send(
                "POST", "/api/v1/session", body: #"{"token":"\#(ConsoleHarness.secret)"}"#, token: nil,
                headers: ["Host": "evil.example"])
            #expect(login.status == 421)
            #expect(login.headers["set-cookie"] == nil)

            #expect(try await console.send("GET", "/api/v1/status", headers: ["Host": "console.corp.example"]).status == 200)
            #expect(try await console.send("GET", "/api/v1/status", headers: ["Host": "localhost:\(console.port)"]).status == 200)
            #expect(try await console.send("GET", "/api/v1/status").status == 200)
        }
    }
}
