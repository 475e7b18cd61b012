@testable import MeshConsole
import Testing

/// Session lifetimes as a pure value: no server, no clock, just durations.
@Suite("SessionTable")
struct SessionTableTests {
    func session(_ id: String, at time: Duration) -> SessionTable.Session {
        SessionTable.Session(id: id, csrfToken: "csrf-" + id, createdAt: time, lastUsedAt: time)
    }

    @Test("a session is valid until its lifetime ends, however often it is used")
    func lifetime() {
        var table = SessionTable(ttl: .seconds(100), idleTimeout: .seconds(60))
        table.insert(session("a", at: .zero), now: .zero)
        #expect((try? table.use(id: "a", now: .seconds(50)).get()) != nil)
        #expect((try? table.use(id: "a", now: .seconds(99)).get()) != nil)
        #expect(throws: SessionTable.RejectionError(rejection: .expired)) { try table.use(id: "a", now: .seconds(100)).get() }
        #expect(throws: SessionTable.RejectionError(rejection: .unknown)) { try table.use(id: "a", now: .seconds(100)).get() }
    }

    @Test("use restarts the idle timeout")
    func idle() {
        var table = SessionTable(ttl: .seconds(1000), idleTimeout: .seconds(60))
        table.insert(session("a", at: .zero), now: .zero)
        #expect((try? table.use(id: "a", now: .seconds(59)).get()) != nil)
        #expect((try? table.use(id: "a", now: .seconds(118)).get()) != nil)
        #expect(throws: SessionTable.RejectionError(rejection: .expired)) { try table.use(id: "a", now: .seconds(178)).get() }
    }

    @Test("at capacity the least recently used session makes room; expired ones go first")
    func capacity() {
        var table = SessionTable(ttl: .seconds(1000), idleTimeout: .seconds(100), capacity: 2)
        table.insert(session("a", at: .zero), now: .zero)
        table.insert(session("b", at: .seconds(1)), now: .seconds(1))
        _ = table.use(id: "a", now: .seconds(2))
        table.insert(session("c", at: .seconds(3)), now: .seconds(3))
        #expect(Set(table.sessions.keys) == ["a", "c"])
        table.insert(session("d", at: .seconds(150)), now: .seconds(150))
        #expect(Set(table.sessions.keys) == ["d"])
    }

    @Test("remaining lifetime counts from login")
    func remaining() {
        let table = SessionTable(ttl: .seconds(100), idleTimeout: .seconds(60))
        #expect(table.remainingLifetime(of: session("a", at: .seconds(10)), now: .seconds(30)) == .seconds(80))
        #expect(table.remainingLifetime(of: session("a", at: .zero), now: .seconds(300)) == .zero)
    }
}
